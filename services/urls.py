from django.urls import path

from services import api

urlpatterns = [
    path("services/items/", api.ItemListView.as_view(), name="services-items"),
    path("services/items/<id:item_id>/", api.ItemDetailView.as_view(), name="services-item"),
    path("services/life-events/", api.LifeEventListView.as_view(), name="services-life-events"),
    path("services/departments/", api.DepartmentListView.as_view(), name="services-departments"),
    path("services/applications/", api.ApplicationListView.as_view(), name="services-applications"),
    path("services/applications/<receipt:receipt_number>/", api.ApplicationDetailView.as_view(),
         name="services-application"),
    path("services/staff/applications/", api.StaffApplicationListView.as_view(), name="services-staff-applications"),
    path("services/staff/applications/<id:application_id>/status/", api.StaffApplicationStatusView.as_view(),
         name="services-staff-application-status"),
]
