"""``makemessages`` that also collects ``_g(...)``: booking imports eager ``gettext`` under that name
(``_`` is ``gettext_lazy`` there), and xgettext only knows Django's standard keywords."""

from django.core.management.commands.makemessages import Command as DjangoMakeMessages


class Command(DjangoMakeMessages):
    xgettext_options = [*DjangoMakeMessages.xgettext_options, "--keyword=_g"]
