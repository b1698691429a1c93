"""The Pub/Sub topology, declared once from the topic map: the local stack applies it to the
emulator, and `scripts/generate_topology.py` writes it into `terraform/topology.auto.tfvars.json`,
from which Terraform declares the same topics and subscriptions for the cloud."""

from __future__ import annotations

from dataclasses import dataclass

from callbot.messages import Subscription, Topic

TOPICS: tuple[Topic, ...] = tuple(Topic)
DEAD_LETTER_TOPIC = Topic.DEAD_LETTER  # where a push subscription forwards what failed too often
MAX_DELIVERY_ATTEMPTS = 10
RETRY_MINIMUM_BACKOFF_S = 1
RETRY_MAXIMUM_BACKOFF_S = 60


@dataclass(frozen=True)
class PushSubscription:
    """A subscription that pushes to a function's HTTP endpoint."""

    name: Subscription
    topic: Topic
    function: str
    ordered: bool
    ack_deadline_s: int = 60


@dataclass(frozen=True)
class PullSubscription:
    name: Subscription
    topic: Topic


PUSH_SUBSCRIPTIONS = (
    PushSubscription(Subscription.AGENT_TURN, Topic.TURNS, function="agent_turn", ordered=True),
    # action requests are independent of each other: no ordering, so one slow request blocks nothing
    PushSubscription(Subscription.CRM_ACTION, Topic.CRM_ACTIONS, function="crm_action", ordered=False),
    PushSubscription(Subscription.CALENDAR_ACTION, Topic.CALENDAR_ACTIONS, function="calendar_action",
                     ordered=False),
    PushSubscription(Subscription.KNOWLEDGE_ACTION, Topic.KNOWLEDGE_ACTIONS, function="knowledge_action",
                     ordered=False),
    # one CallEnded per call starts the post-call workflow; the trigger deduplicates on the call
    PushSubscription(Subscription.POST_CALL_TRIGGER, Topic.CALL_EVENTS, function="post_call_trigger",
                     ordered=False),
)
PULL_SUBSCRIPTIONS = (PullSubscription(Subscription.DEAD_LETTER_AUDIT, Topic.DEAD_LETTER),)
# the functions Pub/Sub pushes to (CloudEvent functions); every other function is called over HTTP
PUSHED_FUNCTIONS = frozenset(push.function for push in PUSH_SUBSCRIPTIONS)


def apply(project_id: str, function_urls: dict[str, str], push_endpoints: bool = True) -> None:
    """Create every topic and subscription that is missing (idempotent). A push subscription whose
    function has no URL in `function_urls` is left out (tests run only some functions). With
    `push_endpoints` False the push subscriptions are made without their endpoint, everything else
    the same, for a deliverer of the local stack to pull and push (the emulator's own push sends at
    most two requests at a time per subscription)."""
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import pubsub_v1

    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    try:
        for topic in TOPICS:
            try:
                publisher.create_topic(name=publisher.topic_path(project_id, topic))
            except AlreadyExists:
                pass
        dead_letter = publisher.topic_path(project_id, DEAD_LETTER_TOPIC)
        for push in PUSH_SUBSCRIPTIONS:
            if push.function not in function_urls:
                continue
            request = {
                "name": subscriber.subscription_path(project_id, push.name),
                "topic": publisher.topic_path(project_id, push.topic),
                "push_config": {"push_endpoint": function_urls[push.function]} if push_endpoints else {},
                "ack_deadline_seconds": push.ack_deadline_s,
                "enable_message_ordering": push.ordered,
                "dead_letter_policy": {"dead_letter_topic": dead_letter,
                                       "max_delivery_attempts": MAX_DELIVERY_ATTEMPTS},
                "retry_policy": {"minimum_backoff": {"seconds": RETRY_MINIMUM_BACKOFF_S},
                                 "maximum_backoff": {"seconds": RETRY_MAXIMUM_BACKOFF_S}},
            }
            _create_subscription(subscriber, request, AlreadyExists)
        for pull in PULL_SUBSCRIPTIONS:
            request = {"name": subscriber.subscription_path(project_id, pull.name),
                       "topic": publisher.topic_path(project_id, pull.topic)}
            _create_subscription(subscriber, request, AlreadyExists)
    finally:
        subscriber.close()


def _create_subscription(subscriber, request: dict, already_exists: type[Exception]) -> None:
    try:
        subscriber.create_subscription(request=request)
    except already_exists:
        pass
