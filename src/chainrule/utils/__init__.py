"""``torch.utils``'s import paths: ``chainrule.utils.data`` is ``chainrule.data`` itself, so
``import chainrule.utils.data``, ``from chainrule.utils.data import DataLoader`` and
``cr.utils.data.DataLoader`` all give the same objects as ``cr.data``.

>>> import chainrule as cr
>>> import chainrule.utils.data
>>> chainrule.utils.data.DataLoader is cr.data.DataLoader
True
"""
import sys

from .. import data

# the module system finds chainrule.utils.data here, the same module object as chainrule.data
sys.modules[__name__ + ".data"] = data
