#!/usr/bin/python3
"""PyTorch's side of bench/trainer.ts: the same MLP trained on the same rows, one thread, one process per run.

Reads JSON on stdin: {"xTrain": [[...]], "yTrain": [...], "xVal": [[...]], "yVal": [...], "hidden": [64, 64],
"dropout": 0.2, "lambda": 1.0, "epochs": 200, "batchSize": 32, "learningRate": 0.001, "seed": 42} and prints
JSON: the milliseconds of the whole fit (model creation to the last epoch's evaluation), per epoch, and the
final losses.

What regsweep does, written the way a PyTorch user would: Linear -> ReLU -> Dropout per hidden layer, a
linear output whose bias starts at the mean target, Adam (betas 0.9/0.999, eps 1e-7 as tfjs's), shuffled
minibatches, and after every epoch the mean squared error on the training and the validation rows without
dropout (what the curves and early stopping read). The L2 term (lambda/2m) sum w^2 on the kernels only is
Adam's weight_decay = lambda/m on a parameter group of the weights (its gradient, 2 (lambda/2m) w), biases
undecayed. Needs Debian's python3-torch (apt-get install python3-torch) and /usr/bin/python3.
"""
import json
import sys
import time

import torch

torch.set_num_threads(1)
req = json.load(sys.stdin)
torch.manual_seed(int(req.get('seed', 0)))
x_train = torch.tensor(req['xTrain'], dtype=torch.float32)
y_train = torch.tensor(req['yTrain'], dtype=torch.float32).reshape(-1, 1)
x_val = torch.tensor(req['xVal'], dtype=torch.float32)
y_val = torch.tensor(req['yVal'], dtype=torch.float32).reshape(-1, 1)
m, d = x_train.shape
hidden = req['hidden']
rate = float(req['dropout'])
epochs = int(req['epochs'])
batch = int(req['batchSize'])

t0 = time.perf_counter()
c0 = time.process_time()
layers, width = [], d
for h in hidden:
    layers += [torch.nn.Linear(width, h), torch.nn.ReLU(), torch.nn.Dropout(rate)]
    width = h
out = torch.nn.Linear(width, 1)
torch.nn.init.constant_(out.bias, float(y_train.mean()))
model = torch.nn.Sequential(*layers, out)
weights = [p for name, p in model.named_parameters() if name.endswith('weight')]
biases = [p for name, p in model.named_parameters() if name.endswith('bias')]
opt = torch.optim.Adam(
    [{'params': weights, 'weight_decay': float(req['lambda']) / m}, {'params': biases, 'weight_decay': 0.0}],
    lr=float(req['learningRate']),
    eps=1e-7,
)
mse = torch.nn.MSELoss()
train_loss = val_loss = float('nan')
for epoch in range(epochs):
    model.train()
    order = torch.randperm(m)
    for start in range(0, m, batch):
        idx = order[start:start + batch]
        opt.zero_grad()
        loss = mse(model(x_train[idx]), y_train[idx]) / 2
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        train_loss = mse(model(x_train), y_train).item()
        val_loss = mse(model(x_val), y_val).item()
ms = (time.perf_counter() - t0) * 1000
cpu_ms = (time.process_time() - c0) * 1000
print(json.dumps({'ms': ms, 'msPerEpoch': ms / epochs, 'epochs': epochs, 'trainLoss': train_loss, 'valLoss': val_loss,
                  'cpuMs': cpu_ms, 'threads': torch.get_num_threads(), 'torch': torch.__version__}))
