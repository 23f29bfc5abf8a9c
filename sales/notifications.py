"""What the sales app tells people about its orders: outbox handlers, run after the change has committed.

`sales.services` records the event in the decision's transaction; a worker sends the e-mail (retried by the outbox
if the mail server refuses), so the request never waits for a mail server.
"""

from django.core.mail import send_mail

from core.outbox import outbox_handler
from sales.models import SalesOrder

REQUEST_DECIDED = "sales_order.request_decided"


@outbox_handler(REQUEST_DECIDED)
def email_requester(event) -> None:
    """E-mail the requester of an order that was approved (and fulfilled) or rejected."""
    orders = SalesOrder.objects.select_related("created_by", "decided_by", "warehouse")
    order = orders.get(pk=event.payload["id"])
    approved = event.payload["approved"]
    requester = order.created_by
    outcome = "approved and fulfilled" if approved else "rejected"
    lines = [
        f"Hello {requester.get_full_name() or requester.username},",
        "",
        f"Your order {order.number} from {order.warehouse.name} was {outcome} by {order.decided_by.username}.",
    ]
    if not approved and order.rejection_reason:
        lines.append(f"Reason: {order.rejection_reason}")
    subject = f"Order {order.number} {'approved' if approved else 'rejected'}"
    send_mail(subject, "\n".join(lines), None, [requester.email])
