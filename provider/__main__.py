"""The raystack component provider (PulumiPlugin.yaml): hosts raystack.provider.COMPONENTS under the
package name "raystack", so their tokens are raystack:index:<Name>, as in Python."""

from pulumi.provider.experimental import component_provider_host
from raystack import __version__
from raystack.provider import COMPONENTS

if __name__ == "__main__":
    component_provider_host(components=COMPONENTS, name="raystack", version=__version__)
