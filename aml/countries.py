"""Country names as lists write them, mapped to ISO 3166-1 alpha-2 codes.

The UN list gives nationalities as names ("Pakistan", "Syrian Arab Republic"); the portal
keeps nationalities as two-letter codes. `country_code()` turns either into a code, and
returns "" for a name it does not know (the importer keeps such names as written).
"""

import re
import unicodedata

# code: name[; other names lists use]
_TABLE = """
AD Andorra|AE United Arab Emirates;UAE|AF Afghanistan|AG Antigua and Barbuda|AL Albania|AM Armenia
AO Angola|AR Argentina|AT Austria|AU Australia|AZ Azerbaijan|BA Bosnia and Herzegovina|BB Barbados
BD Bangladesh|BE Belgium|BF Burkina Faso|BG Bulgaria|BH Bahrain|BI Burundi|BJ Benin
BN Brunei Darussalam;Brunei|BO Bolivia;Bolivia (Plurinational State of)
BR Brazil|BS Bahamas|BT Bhutan|BW Botswana|BY Belarus|BZ Belize
CA Canada|CD Democratic Republic of the Congo;Congo (Democratic Republic of the)|CF Central African Republic
CG Congo;Republic of the Congo|CH Switzerland|CI Cote d'Ivoire;Ivory Coast|CL Chile|CM Cameroon|CN China
CO Colombia|CR Costa Rica|CU Cuba|CV Cabo Verde;Cape Verde|CY Cyprus|CZ Czechia;Czech Republic|DE Germany
DJ Djibouti|DK Denmark|DM Dominica|DO Dominican Republic|DZ Algeria|EC Ecuador|EE Estonia|EG Egypt
ER Eritrea|ES Spain|ET Ethiopia|FI Finland|FJ Fiji|FM Micronesia (Federated States of)|FR France|GA Gabon
GB United Kingdom;United Kingdom of Great Britain and Northern Ireland;UK|GD Grenada|GE Georgia|GH Ghana
GI Gibraltar|GM Gambia|GN Guinea|GQ Equatorial Guinea|GR Greece|GT Guatemala|GW Guinea-Bissau|GY Guyana
HK Hong Kong|HN Honduras|HR Croatia|HT Haiti|HU Hungary|ID Indonesia|IE Ireland|IL Israel|IN India|IQ Iraq
IR Iran;Iran (Islamic Republic of)|IS Iceland|IT Italy|JM Jamaica|JO Jordan|JP Japan|KE Kenya|KG Kyrgyzstan
KH Cambodia|KI Kiribati|KM Comoros|KN Saint Kitts and Nevis
KP Democratic People's Republic of Korea;North Korea|KR Republic of Korea;South Korea|KW Kuwait
KY Cayman Islands|KZ Kazakhstan|LA Lao People's Democratic Republic;Laos|LB Lebanon|LC Saint Lucia
LI Liechtenstein|LK Sri Lanka|LR Liberia|LS Lesotho|LT Lithuania|LU Luxembourg|LV Latvia|LY Libya
MA Morocco|MC Monaco|MD Republic of Moldova;Moldova|ME Montenegro|MG Madagascar|MH Marshall Islands
MK North Macedonia|ML Mali|MM Myanmar|MN Mongolia|MR Mauritania|MT Malta|MU Mauritius|MV Maldives|MW Malawi
MX Mexico|MY Malaysia|MZ Mozambique|NA Namibia|NE Niger|NG Nigeria|NI Nicaragua
NL Netherlands;Kingdom of the Netherlands|NO Norway|NP Nepal
NR Nauru|NZ New Zealand|OM Oman|PA Panama|PE Peru|PG Papua New Guinea|PH Philippines
PK Pakistan|PL Poland|PS State of Palestine;Palestine|PT Portugal|PW Palau|PY Paraguay|QA Qatar|RO Romania
RS Serbia|RU Russian Federation;Russia|RW Rwanda|SA Saudi Arabia|SB Solomon Islands|SC Seychelles|SD Sudan
SE Sweden|SG Singapore|SI Slovenia|SK Slovakia|SL Sierra Leone|SM San Marino|SN Senegal|SO Somalia
SR Suriname|SS South Sudan|ST Sao Tome and Principe|SV El Salvador|SY Syrian Arab Republic;Syria|SZ Eswatini
TD Chad|TG Togo|TH Thailand|TJ Tajikistan|TL Timor-Leste|TM Turkmenistan|TN Tunisia|TO Tonga
TR Turkiye;Turkey|TT Trinidad and Tobago|TV Tuvalu|TW Taiwan|TZ United Republic of Tanzania;Tanzania
UA Ukraine|UG Uganda|US United States of America;United States;USA|UY Uruguay|UZ Uzbekistan|VA Holy See
VC Saint Vincent and the Grenadines|VE Venezuela;Venezuela (Bolivarian Republic of)|VG British Virgin Islands
VN Viet Nam;Vietnam|VU Vanuatu|WS Samoa|YE Yemen|ZA South Africa|ZM Zambia|ZW Zimbabwe
"""


def _key(name: str) -> str:
    bare = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[^a-z]+", " ", bare).strip()


CODES: dict[str, str] = {}
NAMES: dict[str, str] = {}
for _item in _TABLE.replace("\n", "|").split("|"):
    if _item.strip():
        _code, _names = _item.strip().split(" ", 1)
        NAMES[_code] = _names.split(";")[0]
        for _name in _names.split(";"):
            CODES[_key(_name)] = _code


def country_code(value: str) -> str:
    """ "PK" or "Pakistan" → "PK"; "" when the name is unknown."""
    value = (value or "").strip()
    if len(value) == 2 and value.isalpha():
        return value.upper()
    return CODES.get(_key(value), "")
