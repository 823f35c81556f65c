#!/usr/bin/env python3
"""Write the TensorFlow protobuf schema vouch-tf decodes, as a descriptor set.

Usage:
    python3 scripts/tf_descriptors.py crates/vouch-tf/proto/tensorflow.binpb

The descriptors come from the `tensorboard` wheel (scripts/requirements-formats.txt), which
ships TensorFlow's own protos (`tensorboard/compat/proto/*`, package `tensorboard`, the same
field numbers as `tensorflow/core/framework` and `tensorflow/core/protobuf`). The wheel has
no `saved_model.proto`, so its two-field `SavedModel` message is added here, with the numbers
of tensorflow/core/protobuf/saved_model.proto:

    message SavedModel {
      int64 saved_model_schema_version = 1;
      repeated MetaGraphDef meta_graphs = 2;
    }

scripts/protogen turns the set into Rust (prost) code.
"""

import sys

from google.protobuf import descriptor_pb2
from tensorboard.compat.proto import meta_graph_pb2  # noqa: F401  (loads its dependencies)


def collect(fd, seen, out):
    if fd.name in seen:
        return
    seen.add(fd.name)
    for dep in fd.dependencies:
        collect(dep, seen, out)
    proto = descriptor_pb2.FileDescriptorProto()
    fd.CopyToProto(proto)
    out.append(proto)


def saved_model():
    f = descriptor_pb2.FileDescriptorProto()
    f.name = "vouch/saved_model.proto"
    f.package = "tensorboard"
    f.syntax = "proto3"
    f.dependency.append("tensorboard/compat/proto/meta_graph.proto")
    m = f.message_type.add()
    m.name = "SavedModel"
    fld = m.field.add()
    fld.name, fld.number = "saved_model_schema_version", 1
    fld.label = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
    fld.type = descriptor_pb2.FieldDescriptorProto.TYPE_INT64
    fld.json_name = "savedModelSchemaVersion"
    fld = m.field.add()
    fld.name, fld.number = "meta_graphs", 2
    fld.label = descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED
    fld.type = descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE
    fld.type_name = ".tensorboard.MetaGraphDef"
    fld.json_name = "metaGraphs"
    return f


def main():
    out = []
    collect(meta_graph_pb2.DESCRIPTOR, set(), out)
    out.append(saved_model())
    fds = descriptor_pb2.FileDescriptorSet(file=out)
    with open(sys.argv[1], "wb") as fh:
        fh.write(fds.SerializeToString(deterministic=True))
    print(f"{len(out)} files -> {sys.argv[1]}")


if __name__ == "__main__":
    main()
