"""GKE (cloud: gcp): a VPC-native cluster with GPU and TPU node pools."""
