"""medskapa: patient co-creation and feedback on Swedish national clinical guidance."""

__version__ = "0.1.0"
