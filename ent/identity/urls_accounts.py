"""URLs of account lifecycle: activation, cards, recovery, back-office (included by urls.py)."""

from django.urls import URLPattern, path

from . import views_accounts as views

urlpatterns: list[URLPattern] = [
    # Public: first connection, QR-code cards, recovery.
    path("activate", views.activate, name="activate"),
    path("card/<str:token>", views.card_sign_in, name="card"),
    path("password/forgotten", views.password_forgotten, name="password-forgotten"),
    path("password/reset/<uuid:uuid>/<str:token>", views.password_reset, name="password-reset"),
    path("login/forgotten", views.login_forgotten, name="login-forgotten"),
    # Back-office of heads of school and school staff.
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/classes/", views.classes, name="classes"),
    path("accounts/classes/<int:class_id>/letters", views.class_letters, name="class-letters"),
    path("accounts/classes/<int:class_id>/cards", views.class_cards, name="class-cards"),
    path("accounts/<uuid:uuid>/", views.account, name="account"),
    path("accounts/<uuid:uuid>/activate", views.account_activate, name="account-activate"),
    path("accounts/<uuid:uuid>/suspend", views.account_suspend, name="account-suspend"),
    path("accounts/<uuid:uuid>/reactivate", views.account_reactivate, name="account-reactivate"),
    path("accounts/<uuid:uuid>/deactivate", views.account_deactivate, name="account-deactivate"),
    path("accounts/<uuid:uuid>/revoke", views.account_revoke, name="account-revoke"),
    path("accounts/<uuid:uuid>/delete", views.account_delete, name="account-delete"),
    path("accounts/<uuid:uuid>/reset", views.account_reset, name="account-reset"),
    path("accounts/<uuid:uuid>/card", views.account_card, name="account-card"),
    path(
        "accounts/<uuid:uuid>/cards/revoke",
        views.account_cards_revoke,
        name="account-cards-revoke",
    ),
]
