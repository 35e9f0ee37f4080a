"""The player: state, the pure transition, and the actor that owns both."""
