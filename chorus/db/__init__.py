"""The portal's own database backends (see postgresql/)."""
