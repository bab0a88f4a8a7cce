// The interactive 3-D view: three.js with orbit controls. Meshes and point clouds from the stored
// file (GLB, PLY, OBJ, STL; passed in base64), lidar boxes and vectors as lines, molecules as
// atoms (instanced spheres, CPK colours) and bonds. Draws on demand (after each camera change).
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';
import { OBJLoader } from 'three/examples/jsm/loaders/OBJLoader.js';
import { STLLoader } from 'three/examples/jsm/loaders/STLLoader.js';

function bytes(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out.buffer;
}

function stage(host, up) {
  const w = host.clientWidth || 400, h = Math.round(w * 0.75);
  const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(1);
  renderer.setSize(w, h);
  renderer.setClearColor(0xf4f5f7, 1);
  host.append(renderer.domElement);
  const scene = new THREE.Scene();
  const camera = new THREE.PerspectiveCamera(40, w / h, 0.001, 1e7);
  if (up === 'z') camera.up.set(0, 0, 1);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x444455, 2.2));
  const sun = new THREE.DirectionalLight(0xffffff, 1.6);
  camera.add(sun);
  sun.position.set(1, 1, 2);
  scene.add(camera);
  const controls = new OrbitControls(camera, renderer.domElement);
  const draw = () => renderer.render(scene, camera);
  controls.addEventListener('change', draw);
  const fit = (obj) => {
    const box = new THREE.Box3().setFromObject(obj);
    const sphere = box.getBoundingSphere(new THREE.Sphere());
    const r = sphere.radius || 1;
    const dir = up === 'z' ? new THREE.Vector3(-1.2, -1.6, 1.0) : new THREE.Vector3(1.0, 0.8, 1.6);
    camera.position.copy(sphere.center).add(dir.normalize().multiplyScalar(r * 2.6));
    camera.near = r / 100; camera.far = r * 100;
    camera.updateProjectionMatrix();
    controls.target.copy(sphere.center);
    controls.update();
    draw();
    return r;
  };
  const dispose = () => { controls.dispose(); renderer.dispose(); renderer.forceContextLoss(); renderer.domElement.remove(); };
  host.dataset.webgl = '1';
  return { renderer, scene, camera, draw, fit, dispose };
}

function lines(segments, colour) {
  const g = new THREE.BufferGeometry();
  g.setAttribute('position', new THREE.Float32BufferAttribute(segments, 3));
  return new THREE.LineSegments(g, new THREE.LineBasicMaterial({ color: colour }));
}

// 12 edges of a box from its 8 corners (ordered as the descriptor's binary xyz: 000 001 010 011 100 ...).
const EDGES = [[0, 1], [0, 2], [0, 4], [1, 3], [1, 5], [2, 3], [2, 6], [3, 7], [4, 5], [4, 6], [5, 7], [6, 7]];

function object(host, b64, it) {
  const st = stage(host, it.up);
  const buf = bytes(b64);
  const root = new THREE.Group();
  const material = (g) => new THREE.MeshStandardMaterial({ color: g.hasAttribute('color') ? 0xffffff : 0x9aa7b8, vertexColors: g.hasAttribute('color'), roughness: 0.8, metalness: 0.0, side: THREE.DoubleSide, flatShading: !g.hasAttribute('normal') });
  const finish = () => {
    st.scene.add(root);
    const r = st.fit(root);
    const extras = new THREE.Group();
    for (const b of it.boxes || []) {
      const seg = [];
      for (const [a, c] of EDGES) seg.push(...b.corners[a], ...b.corners[c]);
      const col = b.color ? new THREE.Color(b.color[0] / 255, b.color[1] / 255, b.color[2] / 255) : 0xff0000;
      extras.add(lines(seg, col));
    }
    for (const v of it.vectors || []) extras.add(lines([...(v.start || [0, 0, 0]), ...v.end], 0x1f2328));
    st.scene.add(extras);
    st.draw();
    host.dataset.drawn = '1';
    return r;
  };
  if (it.format === 'glb') {
    new GLTFLoader().parse(buf, '', (gltf) => { root.add(gltf.scene); finish(); }, (e) => { host.dataset.error = String(e); });
  } else if (it.format === 'ply') {
    const g = new PLYLoader().parse(buf);
    if (it.geometry === 'points' || !g.index) {
      const r0 = (g.computeBoundingSphere(), g.boundingSphere.radius || 1);
      root.add(new THREE.Points(g, new THREE.PointsMaterial({ size: r0 / 150, color: g.hasAttribute('color') ? 0xffffff : 0x3b6fb6, vertexColors: g.hasAttribute('color') })));
    } else {
      if (!g.hasAttribute('normal')) g.computeVertexNormals();
      root.add(new THREE.Mesh(g, material(g)));
    }
    finish();
  } else if (it.format === 'obj') {
    const obj = new OBJLoader().parse(new TextDecoder().decode(buf));
    obj.traverse((m) => { if (m.isMesh) m.material = material(m.geometry); });
    root.add(obj);
    finish();
  } else if (it.format === 'stl') {
    const g = new STLLoader().parse(buf);
    root.add(new THREE.Mesh(g, material(g)));
    finish();
  } else {
    throw new Error('no 3-D view for ' + it.format);
  }
  return st.dispose;
}

const CPK = { H: 0xffffff, C: 0x909090, N: 0x3050f8, O: 0xff0d0d, F: 0x90e050, CL: 0x1ff01f, BR: 0xa62929, I: 0x940094, S: 0xffff30, P: 0xff8000, FE: 0xe06633, MG: 0x8aff00, ZN: 0x7d80b0, CA: 0x3dff00, NA: 0xab5cf2, K: 0x8f40d4, SE: 0xffa100 };

function molecule(host, mol, it) {
  const st = stage(host, 'y');
  const n = mol.el.length;
  const big = n > 5000;
  const radius = big ? 0.8 : 0.32;
  const sphere = new THREE.SphereGeometry(radius, big ? 6 : 14, big ? 4 : 10);
  const mesh = new THREE.InstancedMesh(sphere, new THREE.MeshStandardMaterial({ roughness: 0.6 }), n);
  const m = new THREE.Matrix4();
  const c = new THREE.Color();
  for (let i = 0; i < n; i++) {
    m.makeTranslation(mol.xyz[3 * i], mol.xyz[3 * i + 1], mol.xyz[3 * i + 2]);
    mesh.setMatrixAt(i, m);
    mesh.setColorAt(i, c.setHex(CPK[mol.el[i]] ?? 0xff69b4));
  }
  const root = new THREE.Group();
  root.add(mesh);
  if (mol.bonds.length) {
    const seg = new Float32Array(mol.bonds.length * 3);
    for (let k = 0; k < mol.bonds.length; k++) {
      const a = mol.bonds[k];
      seg[3 * k] = mol.xyz[3 * a]; seg[3 * k + 1] = mol.xyz[3 * a + 1]; seg[3 * k + 2] = mol.xyz[3 * a + 2];
    }
    root.add(lines(seg, 0x555555));
  }
  st.scene.add(root);
  st.fit(root);
  host.dataset.drawn = '1';
  return st.dispose;
}

window.MK3D = {
  object,
  molecule,
};
