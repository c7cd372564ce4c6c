from django.urls import path

from booking import api

urlpatterns = [
    path("venues/", api.VenueListView.as_view(), name="venue-list"),
    path("venues/checkin/", api.CheckinView.as_view(), name="venue-checkin"),
    path("venues/managed/", api.ManagedVenuesView.as_view(), name="venue-managed"),
    path("venues/<id:venue_id>/", api.VenueDetailView.as_view(), name="venue-detail"),
    path("venues/<id:venue_id>/slots/", api.VenueSlotsView.as_view(), name="venue-slots"),
    path("venues/<id:venue_id>/bookings/", api.VenueBookingsView.as_view(), name="venue-bookings"),
    path("venues/<id:venue_id>/utilisation/", api.UtilisationView.as_view(), name="venue-utilisation"),
    path("venues/<id:venue_id>/slots/block/", api.SlotsCloseView.as_view(), name="slots-close"),
    path("venues/<id:venue_id>/slots/unblock/", api.SlotsReopenView.as_view(), name="slots-reopen"),
    path("venues/<id:venue_id>/slots/<id:slot_id>/block/", api.SlotBlockView.as_view(), name="slot-block"),
    path("venues/<id:venue_id>/slots/<id:slot_id>/unblock/", api.SlotUnblockView.as_view(), name="slot-unblock"),
    path("bookings/", api.booking_list_entry, name="booking-list"),
    path("bookings/waitlist/", api.WaitlistView.as_view(), name="waitlist"),
    path("bookings/waitlist/<id:entry_id>/accept/", api.WaitlistAcceptView.as_view(), name="waitlist-accept"),
    path("bookings/waitlist/<id:entry_id>/leave/", api.WaitlistLeaveView.as_view(), name="waitlist-leave"),
    path("bookings/<id:booking_id>/", api.BookingDetailView.as_view(), name="booking-detail"),
    path("bookings/<id:booking_id>/cancel/", api.BookingCancelView.as_view(), name="booking-cancel"),
    path("bookings/<id:booking_id>/checkin-token/", api.CheckinTokenView.as_view(), name="booking-checkin-token"),
    path("bookings/<id:booking_id>/no-show/", api.NoShowView.as_view(), name="booking-no-show"),
    path("fitness/guides/", api.FitnessGuideView.as_view(), name="fitness-guides"),
]
