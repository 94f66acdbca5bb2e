"""KubeRay objects: worker and head sizing, one pod-template builder, RayCluster and NetworkPolicy. Pulumi-free."""
