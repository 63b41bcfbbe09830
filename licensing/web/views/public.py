from django.shortcuts import render

from licensing.models import Call


def home(request):
    calls = Call.objects.open_now().prefetch_related("eligible_activities").order_by("closes_at")
    return render(request, "public/home.html", {"calls": calls})
