from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def demo(request):
    """A host page with the chat widget embedded, as a district web site would embed it."""
    return render(request, "web/demo.html")
