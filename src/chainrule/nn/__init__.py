"""``chainrule.nn``: modules, layers, losses, init and functional, with PyTorch's names."""
from .parameter import Parameter  # noqa: F401
from .module import Module  # noqa: F401
from .container import Sequential, ModuleList, ModuleDict  # noqa: F401
from .linear import Identity, Linear, Flatten, Dropout, Embedding  # noqa: F401
from .activation import (ReLU, LeakyReLU, GELU, Sigmoid, Tanh, Softmax,  # noqa: F401
                         LogSoftmax)
from .conv import Conv2d, MaxPool2d, AvgPool2d  # noqa: F401
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm  # noqa: F401
from .rnn import RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell  # noqa: F401
from .attention import MultiheadAttention  # noqa: F401
from .transformer import (Transformer, TransformerEncoder,  # noqa: F401
                          TransformerEncoderLayer, TransformerDecoder, TransformerDecoderLayer)
from .loss import (MSELoss, L1Loss, HuberLoss, CrossEntropyLoss, NLLLoss,  # noqa: F401
                   BCELoss, BCEWithLogitsLoss)
from . import functional, init, utils, modules  # noqa: F401
from . import parallel  # noqa: F401  (DistributedDataParallel; mpi4py loads on use)
