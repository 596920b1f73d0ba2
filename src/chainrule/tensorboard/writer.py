"""``SummaryWriter``: PyTorch's ``torch.utils.tensorboard`` API over TensorBoard's own writer.

Events are TensorBoard's protocol buffers written by TensorBoard's ``EventFileWriter``; this
module only fills them in. TensorBoard itself is optional: ``pip install
'chainrule[tensorboard]'``.
"""
import os
import socket
import time
from datetime import datetime

import numpy as np

from ..tensor import Tensor


def require_tensorboard(where):
    """TensorBoard's writer and protobufs, or an error that says how to get them."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as e:
        raise ImportError(f"{where}: writing TensorBoard logs needs the 'tensorboard' package; "
                          f"install it with: pip install 'chainrule[tensorboard]'") from e
    return EventFileWriter, event_pb2, summary_pb2


class SummaryWriter:
    """Writes scalars, histograms, text and graphs to TensorBoard event files in ``log_dir``.

    >>> import chainrule as cr, tempfile
    >>> with cr.tensorboard.SummaryWriter(tempfile.mkdtemp()) as writer:
    ...     for step in range(3):
    ...         writer.add_scalar("loss", 1.0 / (step + 1), step)
    """

    def __init__(self, log_dir=None, comment="", max_queue=10, flush_secs=120,
                 filename_suffix=""):
        event_file_writer, self._event_pb2, self._summary_pb2 = require_tensorboard(
            "SummaryWriter")
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = str(log_dir)
        self._options = (max_queue, flush_secs, filename_suffix)
        self._new_writer = event_file_writer
        self._writer = event_file_writer(self.log_dir, *self._options)
        self._scalar_writers = {}

    def get_logdir(self):
        return self.log_dir

    # ----- summaries ----------------------------------------------------------------------
    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None):
        """One point of the curve ``tag`` (a number or a one-element tensor)."""
        value = self._summary_pb2.Summary.Value(tag=tag, simple_value=as_float(scalar_value,
                                                                               "add_scalar"))
        self._write(self._writer, value, global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Several curves on one chart: each key gets its own run, ``log_dir/main_tag_key``."""
        for key, scalar_value in tag_scalar_dict.items():
            folder = os.path.join(self.log_dir, f"{main_tag}_{key}".replace("/", "_"))
            writer = self._scalar_writers.get(folder)
            if writer is None:
                writer = self._scalar_writers[folder] = self._new_writer(folder, *self._options)
            value = self._summary_pb2.Summary.Value(
                tag=main_tag, simple_value=as_float(scalar_value, "add_scalars"))
            self._write(writer, value, global_step, walltime)

    def add_histogram(self, tag, values, global_step=None, bins="auto", walltime=None):
        """The distribution of ``values`` (``bins`` as in ``numpy.histogram``)."""
        data = np.asarray(values._data if isinstance(values, Tensor) else values, np.float64)
        data = data.ravel()
        if data.size == 0:
            raise ValueError(f"add_histogram: '{tag}' has no values to draw")
        if not np.isfinite(data).all():
            raise ValueError(f"add_histogram: '{tag}' contains NaN or inf; TensorBoard cannot "
                             f"bin it (check the model for a diverging loss)")
        counts, edges = np.histogram(data, bins=bins)
        histogram = self._summary_pb2.HistogramProto(
            min=float(data.min()), max=float(data.max()), num=float(data.size),
            sum=float(data.sum()), sum_squares=float(np.dot(data, data)),
            bucket_limit=edges[1:].tolist(), bucket=counts.astype(np.float64).tolist())
        value = self._summary_pb2.Summary.Value(tag=tag, histo=histogram)
        self._write(self._writer, value, global_step, walltime)

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """A piece of Markdown text, shown by TensorBoard's Text tab."""
        from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2
        from tensorboard.plugins.text import plugin_data_pb2

        plugin = self._summary_pb2.SummaryMetadata.PluginData(
            plugin_name="text", content=plugin_data_pb2.TextPluginData(version=0)
            .SerializeToString())
        tensor = tensor_pb2.TensorProto(
            dtype="DT_STRING", string_val=[str(text_string).encode("utf-8")],
            tensor_shape=tensor_shape_pb2.TensorShapeProto(
                dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)]))
        value = self._summary_pb2.Summary.Value(
            tag=tag, metadata=self._summary_pb2.SummaryMetadata(plugin_data=plugin),
            tensor=tensor)
        self._write(self._writer, value, global_step, walltime)

    def add_graph(self, model, input_to_model=None, verbose=False):
        """The graph of ``model(input_to_model)``, or of a tensor: ``add_graph(out)``.

        Nodes carry the gate labels, their inputs, output shapes and dtypes; a model's
        modules become name scopes (TensorBoard draws each layer as a box that opens).
        """
        from .graph_def import model_graph, tensor_graph

        if isinstance(model, Tensor):
            graph = tensor_graph(model)
        else:
            graph = model_graph(model, input_to_model)
        if verbose:
            print(graph)
        event = self._event_pb2.Event(wall_time=time.time(), graph_def=graph.SerializeToString())
        self._writer.add_event(event)

    # ----- files ----------------------------------------------------------------------------
    def _write(self, writer, value, global_step, walltime):
        event = self._event_pb2.Event(
            wall_time=time.time() if walltime is None else walltime,
            step=0 if global_step is None else int(global_step),
            summary=self._summary_pb2.Summary(value=[value]))
        writer.add_event(event)

    def flush(self):
        for writer in (self._writer, *self._scalar_writers.values()):
            writer.flush()

    def close(self):
        for writer in (self._writer, *self._scalar_writers.values()):
            writer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def as_float(value, where):
    data = value._data if isinstance(value, Tensor) else value
    if np.size(data) != 1:
        raise ValueError(f"{where}: expected one number, got an array of shape "
                         f"{np.shape(data)}; reduce it first (e.g. .mean())")
    return float(np.asarray(data).reshape(()))
