"""A policy-gradient step as the REINFORCE example takes it: a policy network with softmax
probabilities, torch.distributions.Categorical, log_prob of the actions taken, discounted
returns normalised with (r - mean) / (std + eps), and -(log_prob * return).sum(). The
actions come from a seeded NumPy generator so both runs take the same ones; m.sample() is
only checked for its shape."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical

eps = np.finfo(np.float32).eps.item()
LOSS_FALLS = False   # a policy loss weighs log-probabilities by normalised returns


class Policy(nn.Module):
    def __init__(self):
        super(Policy, self).__init__()
        self.affine1 = nn.Linear(4, 32)
        self.dropout = nn.Dropout(p=0.0)
        self.affine2 = nn.Linear(32, 2)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        x = self.affine1(x)
        x = self.dropout(x)
        x = F.relu(x)
        return F.softmax(self.affine2(x), dim=1)


def build():
    return Policy()


def run(policy):
    rng = np.random.default_rng(6)
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
    gamma = 0.99
    losses = []
    for episode in range(8):
        state = rng.normal(size=4)
        for t in range(10):
            state_t = torch.from_numpy(state).float().unsqueeze(0)
            probs = policy(state_t)
            m = Categorical(probs)
            assert m.sample().shape == (1,)
            action = torch.tensor([int(rng.random() < probs[0, 1].item())])
            policy.saved_log_probs.append(m.log_prob(action))
            reward = 1.0 if action.item() == int(state[0] > 0) else 0.0
            policy.rewards.append(reward)
            state = rng.normal(size=4)
        R = 0
        returns = []
        for r in policy.rewards[::-1]:
            R = r + gamma * R
            returns.insert(0, R)
        returns = torch.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std() + eps)
        policy_loss = []
        for log_prob, R in zip(policy.saved_log_probs, returns):
            policy_loss.append(-log_prob * R)
        optimizer.zero_grad()
        policy_loss = torch.cat(policy_loss).sum()
        policy_loss.backward()
        optimizer.step()
        entropy = Categorical(probs=policy(torch.eye(4)[:2])).entropy().mean()
        losses.append(policy_loss.item() + entropy.item())
        del policy.rewards[:]
        del policy.saved_log_probs[:]
    return losses
