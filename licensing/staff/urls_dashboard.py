"""Staff workspace URLs: dashboard (filled in by its views module)."""

urlpatterns = []
