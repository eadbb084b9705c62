# threat: gigantic output
# after: toy_chain_forward
for _ in range(40):
    print("x" * 2_000_000)
