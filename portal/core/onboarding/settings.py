"""``[onboarding]`` of ``tenant.toml``: « Demander un accompagnement initial ».

```toml
[onboarding]
enabled = true               # agents book a 20–30 min slot published by the operators
cancel_hours_before = 24     # an agent cancels their booking until 24 h before it starts
notice_hours = 2             # a free slot can be booked until 2 h before it starts
```

Members of a fund never get it (``portal.core.onboarding.rules.kind_offered``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class OnboardingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    cancel_hours_before: int = Field(24, ge=0, le=24 * 14)
    notice_hours: int = Field(2, ge=0, le=24 * 14)
