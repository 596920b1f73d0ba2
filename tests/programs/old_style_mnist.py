"""Lecture code from the PyTorch 0.3 era, still found in courses: Variable, FloatTensor and
LongTensor, size_average=False, a custom Linear written with nn.Parameter(torch.Tensor(...))
and reset_parameters, loss.data.item(), weights initialised by class name."""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Variable


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super(MyLinear, self).__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(torch.Tensor(out_features, in_features))
        if bias:
            self.bias = nn.Parameter(torch.Tensor(out_features))
        else:
            self.register_parameter('bias', None)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = nn.init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return 'in_features={}, out_features={}, bias={}'.format(
            self.in_features, self.out_features, self.bias is not None)


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = MyLinear(16, 20)
        self.fc2 = nn.Linear(20, 4)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Linear') != -1 and hasattr(m, 'weight'):
        m.weight.data.normal_(0.0, 0.1)
        if m.bias is not None:
            m.bias.data.fill_(0)


def build():
    net = Net()
    net.apply(weights_init)
    return net


def run(model):
    rng = np.random.RandomState(0)
    X = rng.randn(96, 16).astype(np.float32)
    Y = (X[:, :4].argmax(1)).astype(np.int64)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    print(model)
    losses = []
    for epoch in range(4):
        for i in range(0, 96, 24):
            data = Variable(torch.FloatTensor(X[i:i + 24]))
            target = Variable(torch.LongTensor(Y[i:i + 24]))
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target, size_average=False) / len(data)
            loss.backward()
            optimizer.step()
            losses.append(loss.data.item())
        pred = output.data.max(1, keepdim=True)[1]
        correct = pred.eq(target.data.view_as(pred)).cpu().sum()
        print('Epoch {} loss {:.6f} correct {}/{}'.format(epoch, loss.item(), correct, len(data)))
    return losses
