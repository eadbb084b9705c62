# Source: pytorch/tutorials, beginner_source/basics/optimization_tutorial.py @ 009a87b0ec0b432889e865e55d3ae9e3912c306e
# License: BSD-3-Clause (pytorch/tutorials LICENSE: Copyright (c) 2017-2022, Pytorch contributors)
# Changes: the import lines (the originals after "# torch:"); the tutorial's prose is left out. Synthetic data:
#   FashionMNIST (a download, via torchvision) is replaced by 256 + 128 random 1x28x28 images with random labels
#   in a TensorDataset (marked "synthetic data" below), and 10 epochs by 2; the training code is unchanged.
# Compare: model; loss_fn(model(test_data.tensors[0]), test_data.tensors[1]);
#   (model(test_data.tensors[0]).argmax(1) == test_data.tensors[1]).sum()
import coursekit as torch  # torch: import torch
from coursekit import nn  # torch: from torch import nn
from coursekit.utils.data import DataLoader  # torch: from torch.utils.data import DataLoader
from coursekit.utils.data import TensorDataset  # torch: from torch.utils.data import TensorDataset
import numpy as np  # synthetic data

_rng = np.random.default_rng(20)  # synthetic data
training_data = TensorDataset(torch.tensor(_rng.random((256, 1, 28, 28))), torch.tensor(_rng.integers(0, 10, 256)))  # synthetic data
test_data = TensorDataset(torch.tensor(_rng.random((128, 1, 28, 28))), torch.tensor(_rng.integers(0, 10, 128)))  # synthetic data

train_dataloader = DataLoader(training_data, batch_size=64)
test_dataloader = DataLoader(test_data, batch_size=64)

class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28*28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits

model = NeuralNetwork()

learning_rate = 1e-3
batch_size = 64
epochs = 5

loss_fn = nn.CrossEntropyLoss()

optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        pred = model(X)
        loss = loss_fn(pred, y)

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        if batch % 100 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0

    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()

    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")


loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

epochs = 2
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loop(test_dataloader, model, loss_fn)
print("Done!")
