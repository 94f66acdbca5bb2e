"""Azure/AKS: pure decisions (rules, pools) beside the resource builders (backend, identity), which need
the ``azure`` extra (pulumi-azure-native)."""
