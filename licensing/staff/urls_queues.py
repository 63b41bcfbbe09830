"""Staff workspace URLs: queues (filled in by its views module)."""

urlpatterns = []
