from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("me/inbox/", views.inbox, name="inbox"),
    path("me/inbox/read/", views.inbox_read, name="read"),
    path("me/notifications/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
