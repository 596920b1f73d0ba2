"""A realistic PyTorch training script runs on chainrule after changing only its imports."""
import numpy as np
import pytest

PYTORCH_SCRIPT = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset


class MLP(nn.Module):
    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_hidden)
        self.out = nn.Linear(n_hidden, n_out)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.out(x)


torch.manual_seed(0)
features = torch.tensor(FEATURES, dtype=torch.float32)
labels = torch.tensor(LABELS, dtype=torch.long)
features = (features - features.mean(0)) / (features.std(0) + 1e-6)
train_set = TensorDataset(features[:1400], labels[:1400])
test_x, test_y = features[1400:], labels[1400:]
loader = DataLoader(train_set, batch_size=64, shuffle=True)

model = MLP(64, 64, 10)
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=1e-3)

losses = []
for epoch in range(8):
    model.train()
    running = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        logits = model(x)
        loss = criterion(logits, y)
        loss.backward()
        optimizer.step()
        running += loss.item() * x.size(0)
    losses.append(running / len(train_set))

model.eval()
with torch.no_grad():
    predictions = model(test_x).argmax(dim=1)
    accuracy = (predictions == test_y).float().mean().item()
'''

IMPORTS = {
    "import torch\n": "import chainrule as torch\n",
    "import torch.nn as nn\n": "import chainrule.nn as nn\n",
    "import torch.nn.functional as F\n": "import chainrule.nn.functional as F\n",
    "import torch.optim as optim\n": "import chainrule.optim as optim\n",
    "from torch.utils.data import": "from chainrule.data import",
}


def run_script(source, features, labels):
    namespace = {"FEATURES": features, "LABELS": labels, "__name__": "script"}
    exec(compile(source, "pytorch_script.py", "exec"), namespace)
    return namespace


def digits():
    import chainrule as cr
    x, y = cr.data.load_digits()
    order = np.random.default_rng(0).permutation(len(y))
    return x.detach().numpy()[order].tolist(), y.detach().numpy()[order].tolist()


def test_the_script_runs_after_changing_only_its_imports():
    import chainrule as cr
    source = PYTORCH_SCRIPT
    for theirs, ours in IMPORTS.items():
        assert source.count(theirs) == 1
        source = source.replace(theirs, ours)
    changed = [line for line, original in zip(source.splitlines(), PYTORCH_SCRIPT.splitlines())
               if line != original]
    assert len(changed) == 5 and all(line.startswith(("import ", "from ")) for line in changed)
    ran = run_script(source, *digits())
    assert isinstance(ran["model"], cr.nn.Module)
    assert ran["losses"][-1] < ran["losses"][0] / 5
    assert ran["accuracy"] > 0.9


def test_the_same_script_is_real_pytorch():
    pytest.importorskip("torch")
    ran = run_script(PYTORCH_SCRIPT, *digits())
    assert ran["accuracy"] > 0.9
