"""Partners' learners as the API shows them: the partner's own id, the person's public id."""

from rest_framework import serializers

from accounts.models import User

from ..models import PartnerLearner


class LearnerSerializer(serializers.ModelSerializer):
    """A learner of the calling partner. `updated_at` moves when the partner's record or the
    person's account changes (for instance when they verify their address)."""

    id = serializers.UUIDField(source="user.public_id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    display_name = serializers.CharField(source="user.display_name", read_only=True)
    learner_type = serializers.ChoiceField(
        source="user.learner_type", choices=User.LearnerType.choices, read_only=True
    )
    member_number = serializers.CharField(source="user.member_number", read_only=True)
    preferred_language = serializers.ChoiceField(
        source="user.preferred_language", choices=User.Language.choices, read_only=True
    )
    is_email_verified = serializers.BooleanField(source="user.is_email_verified", read_only=True)
    updated_at = serializers.DateTimeField(source="last_changed", read_only=True)

    class Meta:
        model = PartnerLearner
        fields = [
            "id",
            "external_id",
            "email",
            "display_name",
            "learner_type",
            "member_number",
            "preferred_language",
            "is_email_verified",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class LearnerWriteSerializer(serializers.Serializer):
    """The whole record, on every PUT: optional fields left out take their defaults."""

    email = serializers.EmailField(max_length=254)
    display_name = serializers.CharField(max_length=100)
    learner_type = serializers.ChoiceField(choices=User.LearnerType.choices)
    member_number = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default=""
    )
    preferred_language = serializers.ChoiceField(
        choices=User.Language.choices, required=False, default=User.Language.ZH_HANS
    )
