"""Data: datasets, loaders that batch and shuffle them, built-in datasets, CSV files and
feature scaling (PyTorch's ``torch.utils.data`` names where PyTorch has them)."""
from .loader import DataLoader, default_collate, default_convert, get_worker_info  # noqa: F401
from .sampler import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler,  # noqa: F401
                      WeightedRandomSampler, BatchSampler)
from .distributed import DistributedSampler  # noqa: F401
from .dataset import (Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset,  # noqa: F401
                      ChainDataset, StackDataset, random_split)
from .datasets import load_digits, make_moons, make_spirals, make_regression  # noqa: F401
from .csvfile import load_csv  # noqa: F401
from .scalers import StandardScaler, MinMaxScaler  # noqa: F401
