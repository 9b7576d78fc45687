// The public API of @hpo/trainer. Other packages import only from here.
export {};
