"""Developer tools run from a checkout (screenshots, the demo in a browser): never part of the product."""
