#!/usr/bin/env python3
"""A Python client of the hpo coordinator, written from proto/hpo/v1/study_service.proto alone.

It uploads a CSV as it is (no hpo code needed to read it), creates a study, follows WatchStudy
until the study ends, prints the leaderboard, and exports the best model.

    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
    .venv/bin/python client.py ../churn/churn.csv study.yaml --server localhost:50051
    .venv/bin/python client.py data.csv study.yaml --server hpo.example:50051 --ca ca.pem  # + HPO_TOKEN

The stubs are generated from the .proto into a temporary folder at start (grpcio-tools), so
they always match the server's API. Exit status: 0 when the study finished, 1 otherwise.
"""

import argparse
import hashlib
import importlib
import json
import os
import pathlib
import sys
import tempfile

import grpc
from grpc_tools import protoc

PROTO_ROOT = pathlib.Path(__file__).resolve().parents[2] / "proto"
CHUNK = 1024 * 1024  # the server refuses messages over 2 MiB


def load_stubs():
    """Generates the Python stubs of hpo/v1/study_service.proto and imports them."""
    out = tempfile.mkdtemp(prefix="hpo-stubs-")
    include = pathlib.Path(protoc.__file__).parent / "_proto"
    code = protoc.main([
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        "hpo/v1/study_service.proto",
    ])
    if code != 0:
        sys.exit(f"error: cannot generate stubs from {PROTO_ROOT} (protoc exit {code})")
    sys.path.insert(0, out)
    pb = importlib.import_module("hpo.v1.study_service_pb2")
    rpc = importlib.import_module("hpo.v1.study_service_pb2_grpc")
    return pb, rpc


FORMATS = {".csv": "DATASET_FORMAT_CSV", ".zip": "DATASET_FORMAT_ZIP", ".tar": "DATASET_FORMAT_TAR", ".gz": "DATASET_FORMAT_TAR"}


def upload(stub, pb, path, metadata, fmt):
    """Streams the file as it is, declaring its SHA-256, size and format on the first chunk."""
    data = pathlib.Path(path).read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()

    def chunks():
        for off in range(0, max(len(data), 1), CHUNK):
            msg = pb.UploadDatasetRequest(data=data[off:off + CHUNK])
            if off == 0:
                msg.sha256, msg.size, msg.format = sha256, len(data), pb.DatasetFormat.Value(fmt)
            yield msg

    res = stub.UploadDataset(chunks(), metadata=metadata)
    print(f"uploaded {path} ({len(data)} bytes, {fmt}){' (already there)' if res.existed else ''}", file=sys.stderr)
    return sha256


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset", help="the data file, as it is (CSV, or a zip/tar of an image folder)")
    ap.add_argument("spec", help="study spec (YAML or JSON); dataset.path is ignored")
    ap.add_argument("--server", default=os.environ.get("HPO_SERVER", "localhost:50051"))
    ap.add_argument("--id", default="", help="study id (default: the spec's name plus a suffix)")
    ap.add_argument("--format", help="DATASET_FORMAT_* (default: from the file name)")
    ap.add_argument("--ca", help="CA certificate (PEM) of the coordinator's TLS certificate; implies TLS")
    ap.add_argument("--export", help="write the best model's files into this folder")
    ap.add_argument("--json", action="store_true", help="print the study and its leaderboard as JSON")
    args = ap.parse_args()

    pb, rpc = load_stubs()
    token = os.environ.get("HPO_TOKEN")
    metadata = [("authorization", f"Bearer {token}")] if token else []
    if args.ca:
        channel = grpc.secure_channel(args.server, grpc.ssl_channel_credentials(pathlib.Path(args.ca).read_bytes()))
    else:
        channel = grpc.insecure_channel(args.server)
    stub = rpc.StudyServiceStub(channel)
    try:
        fmt = args.format or FORMATS.get(pathlib.Path(args.dataset).suffix.lower(), "DATASET_FORMAT_CSV")
        sha256 = upload(stub, pb, args.dataset, metadata, fmt)
        study = stub.CreateStudy(
            pb.CreateStudyRequest(spec=pathlib.Path(args.spec).read_text(), dataset_sha256=sha256, study_id=args.id),
            metadata=metadata,
        )
        print(f"study {study.study_id} created", file=sys.stderr)
        for event in stub.WatchStudy(pb.WatchStudyRequest(study_id=study.study_id), metadata=metadata):
            if event.type == "trial_finished":
                s = event.study
                print(f"trial {event.trial} {event.state} {event.value:.4f} ({s.trials_done}/{s.trials_total})", file=sys.stderr)
        study = stub.GetStudy(pb.GetStudyRequest(study_id=study.study_id), metadata=metadata)
        board = stub.GetLeaderboard(pb.GetLeaderboardRequest(study_id=study.study_id), metadata=metadata)
        if args.json:
            rows = [
                {
                    "trial": t.number,
                    "state": t.state,
                    "params": json.loads(t.params_json or "{}"),
                    "value": t.value if t.HasField("value") else None,
                    "metrics": {k: {"mean": v.mean, "std": v.std} for k, v in t.metrics.items()},
                }
                for t in board.trials
            ]
            print(json.dumps({"study": study.study_id, "state": study.state, "dataset_sha256": study.dataset_sha256, "trials": rows}))
        else:
            print(f"{'rank':>4} {'trial':>5} {'state':>10} {study.objective_metric:>10}  params")
            for rank, t in enumerate(board.trials, 1):
                value = f"{t.value:.4f}" if t.HasField("value") else "-"
                print(f"{rank:>4} {t.number:>5} {t.state:>10} {value:>10}  {t.params_json}")
            print(f"study {study.study_id}: {study.state}")
        if args.export and study.model_ready:
            out = pathlib.Path(args.export)
            for chunk in stub.ExportModel(pb.ExportModelRequest(study_id=study.study_id), metadata=metadata):
                target = (out / chunk.path).resolve()
                if out.resolve() not in target.parents:
                    sys.exit(f"error: refusing the file name {chunk.path!r} from the server")
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "r+b" if chunk.offset else "wb") as f:
                    f.seek(chunk.offset)
                    f.write(chunk.data)
            print(f"model written to {out}", file=sys.stderr)
        return 0 if study.state == "finished" else 1
    except grpc.RpcError as err:
        print(f"error: {err.code().name}: {err.details()}", file=sys.stderr)
        return 1
    finally:
        channel.close()


if __name__ == "__main__":
    sys.exit(main())
