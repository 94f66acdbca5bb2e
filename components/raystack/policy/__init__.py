"""raystack's policy pack for GPU and Ray stacks: pure rules (``rules``, ``pss``) that `raystack plan`
runs over the planned resources, and their pulumi-policy wrappers (``pack``) that `pulumi preview
--policy-pack policies/` runs in the engine."""
