"""Small constructs the stack is composed of."""
