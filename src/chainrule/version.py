"""``torch.version``'s fields as a build without CUDA or ROCm gives them (``cuda`` and
``hip`` are None, as programs that print their environment expect); chainrule's own version
is ``chainrule.__version__``.

>>> import chainrule as cr
>>> cr.version.cuda is None
True
"""
cuda = None
hip = None
debug = False
