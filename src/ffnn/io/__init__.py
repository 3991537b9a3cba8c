"""Model files as plain data: one ``.npz`` file, never pickle. ``ffnn.load`` / ``model.save``
(``ffnn.persistence``) turn a model into this data and back; this package never builds a model.

A model file is a zip archive in NumPy's ``.npz`` layout holding

* ``__ffnn__``: a uint8 array of UTF-8 JSON: the format name and version, the architecture
  (``FFNN.get_config()``), the training history, the optimiser's config and the random
  generator's state;
* ``params/<name>``: every parameter and buffer array under its ``get_params()`` name
  (``params/layers.0.weight``, ``params/layers.0.norm.scale``, ``params/layers.1.running_mean``...);
* ``grads/<name>``: the last gradient of every trained parameter;
* ``optimizer/<key>``: the optimiser's state arrays, where the model has been trained.

Reading checks each member's ``.npy`` header first, then reads it with
``allow_pickle=False``, so an object array (the only way an ``.npy`` member can carry code) is
refused unread, and every member must match the shapes the config implies (computed before
anything is allocated): names, dtypes and shapes exactly, sizes consistent with the zip's,
values finite. Any problem with a file's content raises :class:`ModelFileError`. Saving is atomic: the archive is written to a
temporary file beside the target, flushed to disk and renamed over it.

>>> import ffnn, tempfile, os
>>> model = ffnn.FFNN([4, 8, 3], ["relu", "softmax"], "cce", seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
>>> model.save(path)
>>> ffnn.load(path).get_config() == model.get_config()
True
"""

from .errors import ModelFileError
from .model_file import FORMAT_NAME, FORMAT_VERSION, ModelFile, read_model_file, write_model_file
from .torch_state import export_torch, import_torch

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "ModelFileError", "ModelFile", "read_model_file",
           "write_model_file", "export_torch", "import_torch"]
