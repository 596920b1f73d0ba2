"""``chainrule.nn``: modules, layers, losses, init and functional, with PyTorch's names."""
from .parameter import Parameter  # noqa: F401
from .module import Module  # noqa: F401
from .container import (Sequential, ModuleList, ModuleDict, ParameterList,  # noqa: F401
                        ParameterDict)
from .linear import (Identity, Linear, Flatten, Unflatten, Dropout, Dropout1d,  # noqa: F401
                     Dropout2d, Dropout3d, Embedding, Bilinear, AlphaDropout,
                     FeatureAlphaDropout, EmbeddingBag)
from .activation import (ReLU, LeakyReLU, GELU, Sigmoid, Tanh, Softmax,  # noqa: F401
                         LogSoftmax, SiLU, Mish, SELU, ELU, CELU, Hardswish, Hardsigmoid,
                         Hardtanh, ReLU6, Threshold, LogSigmoid, Softsign, Tanhshrink, GLU,
                         Softplus, Softshrink, Hardshrink, PReLU, Softmin, Softmax2d, RReLU)
from .conv import (Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, MaxPool2d,  # noqa: F401
                   AvgPool2d, Fold, Unfold, Conv3d, ConvTranspose3d)
from .pooling import (MaxPool1d, AvgPool1d, AdaptiveAvgPool1d,  # noqa: F401
                      AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d,
                      AdaptiveMaxPool2d, MaxUnpool1d,
                      MaxUnpool2d)
from .lp_pool import LPPool1d, LPPool2d, LPPool3d  # noqa: F401
from .pool3d import MaxPool3d, AvgPool3d  # noqa: F401
from .data_parallel import DataParallel  # noqa: F401
from .upsampling import (Upsample, UpsamplingNearest2d, UpsamplingBilinear2d,  # noqa: F401
                         PixelShuffle, PixelUnshuffle, ChannelShuffle, ZeroPad1d, ZeroPad2d,
                         ZeroPad3d, ConstantPad1d, ConstantPad2d, ConstantPad3d,
                         ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d,
                         ReplicationPad2d, ReplicationPad3d, CircularPad1d, CircularPad2d,
                         CircularPad3d)
from .norm import (BatchNorm1d, BatchNorm2d, BatchNorm3d, LayerNorm,  # noqa: F401
                   GroupNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, RMSNorm,
                   LocalResponseNorm)
from .distance import CosineSimilarity, PairwiseDistance  # noqa: F401
from .more_losses import (SmoothL1Loss, KLDivLoss, PoissonNLLLoss,  # noqa: F401
                          GaussianNLLLoss, MarginRankingLoss, HingeEmbeddingLoss,
                          TripletMarginLoss, CosineEmbeddingLoss, MultiLabelSoftMarginLoss,
                          SoftMarginLoss, TripletMarginWithDistanceLoss, MultiMarginLoss,
                          MultiLabelMarginLoss)
from .rnn import RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell  # noqa: F401
from .attention import MultiheadAttention  # noqa: F401
from .lazy import (LazyLinear, LazyConv1d, LazyConv2d, LazyConv3d,  # noqa: F401
                   LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d,
                   LazyBatchNorm1d, LazyBatchNorm2d,
                   LazyBatchNorm3d, LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d,
                   UninitializedParameter, UninitializedBuffer)
from .transformer import (Transformer, TransformerEncoder,  # noqa: F401
                          TransformerEncoderLayer, TransformerDecoder, TransformerDecoderLayer)
from .loss import (MSELoss, L1Loss, HuberLoss, CrossEntropyLoss, NLLLoss,  # noqa: F401
                   BCELoss, BCEWithLogitsLoss)
from . import functional, init, utils, modules  # noqa: F401
from . import parallel  # noqa: F401  (DistributedDataParallel; mpi4py loads on use)
