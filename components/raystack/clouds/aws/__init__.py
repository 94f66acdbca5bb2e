"""AWS/EKS: pure decisions (ami, subnet_layout, iam, pools, autoscaler_config) beside the
resource builders (network, eks, node_group, launch_template, autoscaler) and the backend."""
