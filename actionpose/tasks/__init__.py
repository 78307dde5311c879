"""Tasks on tracked pose sequences: falls, gait, exercise, signs. Each is a small module with typed results."""
