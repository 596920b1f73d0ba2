"""The classic seq2seq translation tutorial in miniature: an EncoderRNN (Embedding + GRU)
run one token at a time into a zeros tensor of encoder outputs (encoder_outputs[ei] =
output[0, 0]), an AttnDecoderRNN (attention weights from cat + Linear + softmax, applied
with bmm), teacher forcing chosen by random.random() (seeded alike in both runs), greedy
decoding with topk(1), and the loss summed over steps then divided by the length."""
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
SOS_token, EOS_token, MAX_LENGTH, VOCAB, HIDDEN = 0, 1, 8, 12, 16


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super(EncoderRNN, self).__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size)

    def forward(self, input, hidden):
        embedded = self.embedding(input).view(1, 1, -1)
        output, hidden = self.gru(embedded, hidden)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, 1, self.hidden_size, device=device)


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size, dropout_p=0.0, max_length=MAX_LENGTH):
        super(AttnDecoderRNN, self).__init__()
        self.hidden_size, self.output_size = hidden_size, output_size
        self.max_length = max_length
        self.embedding = nn.Embedding(self.output_size, self.hidden_size)
        self.attn = nn.Linear(self.hidden_size * 2, self.max_length)
        self.attn_combine = nn.Linear(self.hidden_size * 2, self.hidden_size)
        self.dropout = nn.Dropout(dropout_p)
        self.gru = nn.GRU(self.hidden_size, self.hidden_size)
        self.out = nn.Linear(self.hidden_size, self.output_size)

    def forward(self, input, hidden, encoder_outputs):
        embedded = self.embedding(input).view(1, 1, -1)
        embedded = self.dropout(embedded)
        attn_weights = F.softmax(self.attn(torch.cat((embedded[0], hidden[0]), 1)), dim=1)
        attn_applied = torch.bmm(attn_weights.unsqueeze(0), encoder_outputs.unsqueeze(0))
        output = torch.cat((embedded[0], attn_applied[0]), 1)
        output = self.attn_combine(output).unsqueeze(0)
        output = F.relu(output)
        output, hidden = self.gru(output, hidden)
        output = F.log_softmax(self.out(output[0]), dim=1)
        return output, hidden, attn_weights


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = EncoderRNN(VOCAB, HIDDEN)
        self.decoder = AttnDecoderRNN(HIDDEN, VOCAB)


def build():
    return Seq2Seq()


def train(input_tensor, target_tensor, encoder, decoder, optimizers, criterion,
          teacher_forcing_ratio=0.5):
    encoder_hidden = encoder.initHidden()
    for optimizer in optimizers:
        optimizer.zero_grad()
    input_length, target_length = input_tensor.size(0), target_tensor.size(0)
    encoder_outputs = torch.zeros(MAX_LENGTH, encoder.hidden_size, device=device)
    loss = 0
    for ei in range(input_length):
        encoder_output, encoder_hidden = encoder(input_tensor[ei], encoder_hidden)
        encoder_outputs[ei] = encoder_output[0, 0]
    decoder_input = torch.tensor([[SOS_token]], device=device)
    decoder_hidden = encoder_hidden
    use_teacher_forcing = True if random.random() < teacher_forcing_ratio else False
    for di in range(target_length):
        decoder_output, decoder_hidden, decoder_attention = decoder(
            decoder_input, decoder_hidden, encoder_outputs)
        loss += criterion(decoder_output, target_tensor[di])
        if use_teacher_forcing:
            decoder_input = target_tensor[di]
        else:
            topv, topi = decoder_output.topk(1)
            decoder_input = topi.squeeze().detach()
            if decoder_input.item() == EOS_token:
                break
    loss.backward()
    for optimizer in optimizers:
        optimizer.step()
    return loss.item() / target_length


def run(model):
    random.seed(3)
    rng = np.random.default_rng(8)
    pairs = []
    for _ in range(12):
        seq = list(rng.integers(2, VOCAB, rng.integers(3, 6)))
        pairs.append((seq + [EOS_token], seq[::-1] + [EOS_token]))
    optimizers = [torch.optim.SGD(model.encoder.parameters(), lr=0.05),
                  torch.optim.SGD(model.decoder.parameters(), lr=0.05)]
    criterion = nn.NLLLoss()
    losses = []
    for epoch in range(3):
        total = 0.0
        for src, tgt in pairs:
            input_tensor = torch.tensor(src, dtype=torch.long, device=device).view(-1, 1)
            target_tensor = torch.tensor(tgt, dtype=torch.long, device=device).view(-1, 1)
            total += train(input_tensor, target_tensor, model.encoder, model.decoder,
                           optimizers, criterion)
        losses.append(total / len(pairs))
    return losses
