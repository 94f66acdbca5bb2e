"""raystack.testing.lifecycle: `pulumi preview`, `up`, `refresh` and `destroy` of a stack, simulated
across runs against an account and clusters that remember, and that fail the way the real APIs do.

::

    from raystack.testing.lifecycle import Lifecycle

    lc = Lifecycle.for_stack(Path("."), "dev")
    lc.up()                                          # day 0, empty account (a preview runs first)
    assert not lc.preview().changes()                # day 1: nothing to do
    lc.kube_cluster("raystack-dev").ray_autoscale("ray", "dev", "l4", 3)
    lc.up()                                          # day 2 after the Ray autoscaler moved
    lc.destroy()

Every simulated behaviour names its source; what no source describes raises ``NotModelled``.
"""

from __future__ import annotations

from .awaits import check_wait
from .aws import Aws, Identity
from .engine import Lifecycle, Plan, StateResource, Step
from .errors import CloudError, EngineError, NotModelled
from .kube import KubeCluster

__all__ = ["Aws", "CloudError", "EngineError", "Identity", "KubeCluster", "Lifecycle", "NotModelled", "Plan",
           "StateResource", "Step", "check_wait"]
