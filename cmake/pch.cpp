// Empty: exists so fastai_pch has a source file to build the PCH with.
