"""Staff workspace URLs: the work queues, their CSV export, and assigning a case."""

from django.urls import path

from licensing.staff.views import queues

urlpatterns = [
    path("", queues.queue_page, name="staff_queues"),
    path("queue.csv", queues.queue_csv, name="staff_queue_csv"),
    path("cases/<int:pk>/assign/", queues.assign, name="staff_assign"),
]
