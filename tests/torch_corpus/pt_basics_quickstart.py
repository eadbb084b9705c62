# Source: pytorch/tutorials, beginner_source/basics/quickstart_tutorial.py @ 07a339ece661a2b304b8834780470f522eed1e02
#   (up to "Saving Models": coursekit has no torch.save)
# License: BSD-3-Clause (pytorch/tutorials LICENSE: Copyright (c) 2017-2022, Pytorch contributors)
# Changes: the import lines (the originals after "# torch:"); the tutorial's prose and its unused torchvision and
#   matplotlib imports are left out. Synthetic data: FashionMNIST (a download) is replaced by a Dataset subclass
#   serving, like torchvision's, one (1x28x28 image, int label) pair per index: 192 + 96 random images (marked
#   "synthetic data"); 5 epochs become 2.
# Compare: model; loss_fn(model(torch.stack([test_data[i][0] for i in range(96)])),
#   torch.tensor([test_data[i][1] for i in range(96)]))
import coursekit as torch  # torch: import torch
from coursekit import nn  # torch: from torch import nn
from coursekit.utils.data import DataLoader  # torch: from torch.utils.data import DataLoader
import numpy as np  # synthetic data


class _SyntheticFashionMNIST(torch.utils.data.Dataset):  # synthetic data
    def __init__(self, n, seed):  # synthetic data
        rng = np.random.default_rng(seed)  # synthetic data
        self.images, self.labels = rng.random((n, 1, 28, 28)), rng.integers(0, 10, n)  # synthetic data

    def __len__(self):  # synthetic data
        return len(self.labels)  # synthetic data

    def __getitem__(self, i):  # synthetic data
        return torch.tensor(self.images[i]), int(self.labels[i])  # synthetic data


training_data = _SyntheticFashionMNIST(192, seed=1)  # synthetic data
test_data = _SyntheticFashionMNIST(96, seed=2)  # synthetic data

batch_size = 64

train_dataloader = DataLoader(training_data, batch_size=batch_size)
test_dataloader = DataLoader(test_data, batch_size=batch_size)

for X, y in test_dataloader:
    print("Shape of X [N, C, H, W]: ", X.shape)
    print("Shape of y: ", y.shape, y.dtype)
    break

device = "cuda" if torch.cuda.is_available() else "cpu"
print("Using {} device".format(device))

class NeuralNetwork(nn.Module):
    def __init__(self):
        super(NeuralNetwork, self).__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28*28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
            nn.ReLU()
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits

model = NeuralNetwork().to(device)
print(model)

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)

def train(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)

        pred = model(X)
        loss = loss_fn(pred, y)

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        if batch % 100 == 0:
            loss, current = loss.item(), batch * len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")

epochs = 2
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train(train_dataloader, model, loss_fn, optimizer)
    test(test_dataloader, model, loss_fn)
print("Done!")

classes = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]

model.eval()
x, y = test_data[0][0], test_data[0][1]
with torch.no_grad():
    pred = model(x)
    predicted, actual = classes[pred[0].argmax(0)], classes[y]
    print(f'Predicted: "{predicted}", Actual: "{actual}"')
