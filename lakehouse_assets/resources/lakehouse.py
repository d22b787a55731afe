"""The lakehouse table layer as a Dagster resource."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import PrivateAttr

from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
from lakehouse_assets.lakehouse.session import iceberg_lakehouse


class LakehouseResource(ConfigurableResource):
    """Iceberg tables under `root_uri`, registered in the SQL catalog at `catalog_uri`.

    `s3_endpoint`/`s3_region` reach pyiceberg's S3 file IO (MinIO and other S3-compatible stores);
    credentials come from the standard AWS environment variables, never from config.
    """

    root_uri: str
    catalog_uri: str
    s3_endpoint: str | None = None
    s3_region: str | None = None
    _lakehouse: IcebergLakehouse | None = PrivateAttr(default=None)

    @property
    def lakehouse(self) -> IcebergLakehouse:
        if self._lakehouse is None:
            self._lakehouse = iceberg_lakehouse(self.catalog_uri, self.root_uri, self.s3_endpoint, self.s3_region)
        return self._lakehouse
