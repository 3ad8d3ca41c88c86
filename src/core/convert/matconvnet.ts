// Reads a MatConvNet DagNN network saved in a MATLAB v7.3 file (dagnn.DagNN.saveobj:
// a struct with `layers`, `params`, `vars`, `meta`). Only what a converter needs: the
// layer list (name, type, the names of the params it uses) and the params (name, MATLAB
// dims, values on demand), in file order.
//
// Reference: voletiv/syncnet-in-keras, syncnet_functions.py load_syncnet_weights, which
// reads `f['net/params/value']` and `f['net/layers/name']` as h5py object references.
// Unlike that code we also read `net.params.name` and `net.layers.params` when present so
// a converter can check that it pairs each layer with the params that layer really uses.
import { MatFile, MatNode, type MatArray } from './matlab-v73';

export interface DagNNLayer {
  /** 1-based position in net.layers, as MATLAB would index it. */
  index: number;
  name: string;
  /** Block class, e.g. 'dagnn.Conv'; undefined when the file has no `type` field. */
  type?: string;
  /** Names of the params the layer uses (net.layers(i).params); undefined when absent. */
  params?: string[];
}

export interface DagNNParam {
  /** 1-based position in net.params. */
  index: number;
  /** net.params(i).name; undefined when the file has no `name` field. */
  name?: string;
  /** MATLAB dims of the value (e.g. [3 3 1 64] for conv filters). Read without loading data. */
  dims: number[];
  /** The value with MATLAB dims and column-major data (loads / inflates it). */
  read(): MatArray;
}

export interface DagNN {
  layers: DagNNLayer[];
  params: DagNNParam[];
}

/** Reads the DagNN struct stored as variable `variable` (VGG's files use `net`). */
export function readDagNN(mat: MatFile, variable = 'net'): DagNN {
  const net = mat.variable(variable);
  if (!net.isGroup || net.matlabClass !== 'struct') {
    mat.fail(
      `variable '${variable}' is not a struct (class '${net.matlabClass || 'none'}'), so not a MatConvNet network`,
    );
  }
  for (const field of ['layers', 'params']) {
    if (!net.hasField(field))
      mat.fail(`'${variable}' has no '${field}' field, so it is not a MatConvNet DagNN network`);
  }
  const layersNode = net.field('layers');
  const paramsNode = net.field('params');

  const layerNames = readStrings(layersNode.field('name'));
  const layerTypes = layersNode.hasField('type') ? readStrings(layersNode.field('type')) : undefined;
  const layerParams = layersNode.hasField('params')
    ? layersNode
        .field('params')
        .elements()
        .map((cell) => cell.readStringCell())
    : undefined;
  checkLength(mat, layersNode, 'type', layerTypes, layerNames.length);
  checkLength(mat, layersNode, 'params', layerParams, layerNames.length);

  const values = paramsNode.field('value').elements();
  const paramNames = paramsNode.hasField('name') ? readStrings(paramsNode.field('name')) : undefined;
  checkLength(mat, paramsNode, 'name', paramNames, values.length);

  return {
    layers: layerNames.map((name, i) => ({
      index: i + 1,
      name,
      type: layerTypes?.[i],
      params: layerParams?.[i],
    })),
    params: values.map((node, i) => paramFromNode(node, i, paramNames?.[i])),
  };
}

function readStrings(field: MatNode): string[] {
  return field.elements().map((n) => n.readString());
}

function checkLength(
  mat: MatFile,
  struct: MatNode,
  field: string,
  values: unknown[] | undefined,
  expected: number,
): void {
  if (values && values.length !== expected) {
    mat.fail(
      `${struct.path}.${field} has ${values.length} entries but ${struct.path} has ${expected} elements`,
    );
  }
}

function paramFromNode(node: MatNode, i: number, name: string | undefined): DagNNParam {
  return {
    index: i + 1,
    name,
    dims: node.dims,
    read: () => node.readArray(),
  };
}
