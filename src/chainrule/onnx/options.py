"""``torch.onnx.export``'s other keyword arguments, so a PyTorch export call runs unchanged:
those that do not change the exported model are accepted (chainrule has one exporter, the
graph of gates), those that would are refused unless they have their default value."""

NO_EFFECT = {   # name: why it changes nothing here
    "dynamo": "chainrule has one exporter, which reads the graph of gates",
    "optimize": "the graph is written as the gates ran, constants folded",
    "external_data": "weights are stored inside the file",
    "report": "export errors name the gate and module instead",
    "verify": "tests/onnx runs exported models in onnxruntime",
    "profile": "there is nothing to profile apart from the forward",
    "dump_exported_program": "there is no exported program apart from the ONNX model",
    "artifacts_dir": "no artifacts are written",
    "autograd_inlining": "custom Functions are not exportable",
    "operator_export_type": "every gate becomes standard ONNX operators",
}
DEFAULTS_ONLY = {   # name: (default, what to do instead)
    "dynamic_shapes": (None, "give dynamic_axes"),
    "custom_translation_table": (None, "add the gate's translation to "
                                       "chainrule/onnx/table.py"),
    "custom_opsets": (None, "chainrule writes the standard domain only"),
    "export_modules_as_functions": (False, "modules are inlined"),
}


def check(options):
    """Accept PyTorch's options that change nothing; refuse the rest by name."""
    for name, value in options.items():
        if name in NO_EFFECT:
            continue
        if name not in DEFAULTS_ONLY:
            raise TypeError(f"onnx.export() got an unexpected keyword argument {name!r}")
        default, instead = DEFAULTS_ONLY[name]
        if value != default and not (default is None and not value):
            raise NotImplementedError(f"onnx.export: {name}={value!r} is not supported; "
                                      f"{instead}")


def check_training(training, model_training):
    """PyTorch's TrainingMode: EVAL (the default) exports eval behaviour; PRESERVE keeps a
    model in eval mode as it is; TRAINING (or PRESERVE of a training model) is refused,
    since the exported model would compute dropout and batch statistics."""
    mode = "EVAL" if training is None else str(getattr(training, "name", training)).upper()
    mode = mode.rsplit(".", 1)[-1]
    if mode == "EVAL" or (mode == "PRESERVE" and not model_training):
        return
    raise NotImplementedError(f"onnx.export: training={training!r} would export training "
                              f"behaviour (dropout, batch statistics), which chainrule does "
                              f"not export; export in eval mode")
