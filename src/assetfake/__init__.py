"""assetfake: a stateful fake of the Assets API for testing its clients."""
