"""MLflow tracking and model registry as a thin `ConfigurableResource`.

`dagster-mlflow` offers only the legacy function-style `mlflow_tracking` resource, which ignores
run-config overrides (dagster-io/dagster#21797) and ends the MLflow run in its own hook, earlier
than an asset body expects (#21872). This resource only points MLflow at the configured stores and
hands out an `MlflowClient`; asset bodies open and close their runs themselves.

S3 artifacts: MLflow's own S3 client honours `MLFLOW_S3_ENDPOINT_URL` (then boto3's
`AWS_ENDPOINT_URL`) and the standard AWS credential variables. Nothing here sets an endpoint, so a
MinIO or SeaweedFS deployment sets `MLFLOW_S3_ENDPOINT_URL` for every process that logs models;
without it, `s3://` artifacts go to AWS itself.
"""

from __future__ import annotations

import os
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import urlsplit

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from lakehouse_assets.settings import Settings, join_uri

if TYPE_CHECKING:
    from mlflow import MlflowClient

ARTIFACTS_FOLDER = "mlflow-artifacts"
ALLOW_DESERIALIZATION = "MLFLOW_ALLOW_PICKLE_DESERIALIZATION"


class MlflowResource(ConfigurableResource):
    """Where MLflow runs, models and artifacts go.

    `client()` sets the tracking and registry URIs for MLflow's fluent API (`mlflow.start_run`,
    `mlflow.sklearn.log_model`, `models:/` URIs) in this process and returns an `MlflowClient` on
    the same stores; call it at the start of an asset body, before any fluent call.
    """

    tracking_uri: str = Field(description="MLFLOW_TRACKING_URI: a database URI (sqlite:///..., postgresql://...) or an MLflow server (http://...)")
    registry_uri: str | None = Field(default=None, description="The model registry when it is not the tracking store")
    artifact_root: str | None = Field(
        default=None,
        description="Artifact location of experiments this resource creates (file:///... or s3://...); None: the tracking server's default",
    )
    trust_registry_models: bool = Field(
        default=True,
        description=f"Let MLflow deserialise this registry's models (MLflow 3 refuses any model, skops included, unless {ALLOW_DESERIALIZATION} is true)",
    )

    def client(self) -> "MlflowClient":
        import mlflow
        from mlflow import MlflowClient

        if self.trust_registry_models:
            # MLflow reads this switch from the environment at each load and has no argument for
            # it. The registry holds only models this code location trained, so a trusting resource
            # turns it on for the process; a value the environment sets (true or false) is kept.
            os.environ.setdefault(ALLOW_DESERIALIZATION, "true")
        registry_uri = self.registry_uri or self.tracking_uri
        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(registry_uri)
        with _sqlite_store_creation({self.tracking_uri, registry_uri}) as first_use:
            client = MlflowClient(tracking_uri=self.tracking_uri, registry_uri=registry_uri)
            if first_use:
                client.search_registered_models(max_results=1)  # the registry's tables too
        return client

    def experiment_id(self, name: str) -> str:
        """The id of experiment `name`, created with its artifacts under `artifact_root` when missing.

        An existing experiment keeps the artifact location it was created with.
        """
        from mlflow.exceptions import MlflowException

        client = self.client()
        experiment = client.get_experiment_by_name(name)
        if experiment is not None:
            return experiment.experiment_id
        try:
            return client.create_experiment(name, artifact_location=self.artifact_root)
        except MlflowException:
            # Created by a concurrent run between the lookup and the create.
            experiment = client.get_experiment_by_name(name)
            if experiment is None:
                raise
            return experiment.experiment_id

    def load_model(self, model_uri: str, flavor: str = "sklearn") -> Any:
        """Load `models:/<name>/<version>`, `models:/<name>@<alias>` or a run's model with MLflow's
        `flavor` loader (`sklearn` for the pipeline, `pyfunc` for the generic predict)."""
        import importlib

        self.client()
        return importlib.import_module(f"mlflow.{flavor}").load_model(model_uri)

    def run_url(self, experiment_id: str, run_id: str) -> str | None:
        """A link to the run in the MLflow UI, when the tracking store is a server."""
        if self.tracking_uri.startswith(("http://", "https://")):
            server = urlsplit(self.tracking_uri)
            # Without user info: a link is shown in the UI, and basic-auth credentials may sit there.
            origin = server._replace(netloc=server.netloc.rsplit("@", 1)[-1], query="", fragment="").geturl()
            return f"{origin.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"
        return None


_READY_SQLITE_STORES: set[str] = set()


@contextmanager
def _sqlite_store_creation(uris: set[str]) -> Iterator[bool]:
    """Hold a lock beside each new SQLite store while MLflow first uses it; yields whether any is new.

    MLflow creates a store's tables on its first use in each process; runs starting at once on a
    new database (`make dev`'s first minutes) raced, and all but one failed with "table ...
    already exists". The lock makes the others wait, then find the tables.
    """
    import fcntl

    new = sorted(uri for uri in uris if uri.startswith("sqlite:///") and uri not in _READY_SQLITE_STORES)
    with ExitStack() as locks:
        for uri in new:
            lock = locks.enter_context(open(f"{uri.removeprefix('sqlite:///')}.lock", "w"))
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield bool(new)
    _READY_SQLITE_STORES.update(new)


def mlflow_resource(settings: Settings) -> MlflowResource:
    """Tracking at MLFLOW_TRACKING_URI (a SQLite file under the lakehouse root by default), artifacts
    of new experiments under `<LAKEHOUSE_ROOT>/mlflow-artifacts` (a local folder or S3)."""
    # From the environment the URI stays there, as EnvVar: a database store's URI may hold a password.
    tracking_uri: Any = EnvVar("MLFLOW_TRACKING_URI") if settings.mlflow_tracking_uri_from_env else settings.mlflow_tracking_uri
    return MlflowResource(tracking_uri=tracking_uri, artifact_root=join_uri(settings.lakehouse_root, ARTIFACTS_FOLDER))

