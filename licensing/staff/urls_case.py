"""Staff workspace URLs: case (filled in by its views module)."""

urlpatterns = []
