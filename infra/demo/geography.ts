// The fixed geography the demo data hangs on: the province outline, towns, districts and their communes, the
// national roads and the main rivers. Drawn by hand from general knowledge of Cao Bằng at demo precision (a few
// hundred metres to a few kilometres); the generators add the detail.
import type { Position, Ring } from './geometry.ts';

export const CITY_CENTRE: Position = [106.257, 22.666];
export const BAN_GIOC: Position = [106.721998, 22.856402];

/**
 * The province, clockwise from the western tip (Bảo Lâm, on the Hà Giang border), along the Chinese border in the
 * north and east, then back west along the Lạng Sơn, Bắc Kạn and Tuyên Quang borders. Closed.
 */
export const PROVINCE_OUTLINE: Ring = [
  [105.274, 22.846], [105.291, 22.884], [105.322, 22.913], [105.349, 22.951], [105.397, 22.966], [105.431, 22.995],
  [105.484, 23.017], [105.521, 23.038], [105.578, 23.058], [105.617, 23.104], [105.668, 23.119], [105.719, 23.101],
  [105.757, 23.085], [105.808, 23.061], [105.849, 23.041], [105.901, 23.029], [105.941, 23.024], [105.988, 23.016],
  [106.021, 22.999], [106.059, 22.996], [106.094, 23.013], [106.143, 23.006], [106.181, 22.984], [106.231, 22.949],
  [106.262, 22.921], [106.301, 22.879], [106.339, 22.860], [106.381, 22.874], [106.426, 22.891], [106.478, 22.903],
  [106.521, 22.914], [106.574, 22.907], [106.617, 22.903], [106.663, 22.882], [106.700, 22.868], [106.739, 22.854],
  [106.768, 22.834], [106.807, 22.799], [106.828, 22.764], [106.840, 22.721], [106.829, 22.683], [106.809, 22.646],
  [106.765, 22.632], [106.728, 22.606], [106.690, 22.583], [106.660, 22.548], [106.638, 22.514], [106.607, 22.484],
  [106.576, 22.463], [106.551, 22.428], [106.511, 22.401], [106.476, 22.368], [106.429, 22.351], [106.386, 22.362],
  [106.337, 22.379], [106.291, 22.418], [106.238, 22.436], [106.189, 22.447], [106.131, 22.452], [106.083, 22.458],
  [106.029, 22.466], [105.983, 22.484], [105.938, 22.508], [105.889, 22.540], [105.847, 22.565], [105.799, 22.602],
  [105.754, 22.634], [105.701, 22.667], [105.652, 22.690], [105.597, 22.716], [105.548, 22.733], [105.493, 22.751],
  [105.441, 22.769], [105.384, 22.789], [105.336, 22.806], [105.293, 22.827], [105.274, 22.846],
];

export interface Town {
  name: string;
  /** Short form used in road names: "Nguyên Bình". */
  short: string;
  district: string;
  position: Position;
  /** Radius of the built-up area, in metres (the city's own grid is generated separately). */
  urbanRadius: number;
}

export const TOWNS: Town[] = [
  { name: 'Thành phố Cao Bằng', short: 'Cao Bằng', district: 'Thành phố Cao Bằng', position: CITY_CENTRE, urbanRadius: 0 },
  { name: 'Thị trấn Nước Hai', short: 'Nước Hai', district: 'Huyện Hòa An', position: [106.195, 22.735], urbanRadius: 900 },
  { name: 'Thị trấn Xuân Hòa', short: 'Xuân Hòa', district: 'Huyện Hà Quảng', position: [106.121, 22.892], urbanRadius: 700 },
  { name: 'Thị trấn Thông Nông', short: 'Thông Nông', district: 'Huyện Hà Quảng', position: [105.992, 22.816], urbanRadius: 600 },
  { name: 'Thị trấn Trùng Khánh', short: 'Trùng Khánh', district: 'Huyện Trùng Khánh', position: [106.521, 22.831], urbanRadius: 900 },
  { name: 'Thị trấn Trà Lĩnh', short: 'Trà Lĩnh', district: 'Huyện Trùng Khánh', position: [106.322, 22.805], urbanRadius: 600 },
  { name: 'Thị trấn Thanh Nhật', short: 'Thanh Nhật', district: 'Huyện Hạ Lang', position: [106.676, 22.705], urbanRadius: 600 },
  { name: 'Thị trấn Quảng Uyên', short: 'Quảng Uyên', district: 'Huyện Quảng Hòa', position: [106.444, 22.690], urbanRadius: 900 },
  { name: 'Thị trấn Hòa Thuận', short: 'Hòa Thuận', district: 'Huyện Quảng Hòa', position: [106.501, 22.546], urbanRadius: 600 },
  { name: 'Thị trấn Tà Lùng', short: 'Tà Lùng', district: 'Huyện Quảng Hòa', position: [106.578, 22.492], urbanRadius: 700 },
  { name: 'Thị trấn Đông Khê', short: 'Đông Khê', district: 'Huyện Thạch An', position: [106.428, 22.428], urbanRadius: 800 },
  { name: 'Thị trấn Nguyên Bình', short: 'Nguyên Bình', district: 'Huyện Nguyên Bình', position: [105.958, 22.650], urbanRadius: 700 },
  { name: 'Thị trấn Tĩnh Túc', short: 'Tĩnh Túc', district: 'Huyện Nguyên Bình', position: [105.880, 22.645], urbanRadius: 600 },
  { name: 'Thị trấn Bảo Lạc', short: 'Bảo Lạc', district: 'Huyện Bảo Lạc', position: [105.673, 22.953], urbanRadius: 800 },
  { name: 'Thị trấn Pác Miầu', short: 'Pác Miầu', district: 'Huyện Bảo Lâm', position: [105.495, 22.855], urbanRadius: 700 },
];

export interface District {
  name: string;
  /** Two ASCII letters for codes (BL-0012). */
  code: string;
  /** Roughly the middle of the district: communes go to the nearest district middle. */
  middle: Position;
  /** Full commune names; a `Thị trấn …` or `Phường …` sits at its town, the others are placed by the generator. */
  communes: string[];
}

// Before the 2025 reform (no more districts; 56 communes and wards) the province had about 160 of them; the demo
// keeps that finer, better-known pattern.
export const DISTRICTS: District[] = [
  {
    name: 'Thành phố Cao Bằng',
    code: 'CB',
    middle: CITY_CENTRE,
    communes: [
      'Phường Hợp Giang', 'Phường Sông Hiến', 'Phường Sông Bằng', 'Phường Tân Giang', 'Phường Đề Thám',
      'Phường Ngọc Xuân', 'Phường Hòa Chung', 'Phường Duyệt Trung', 'Xã Chu Trinh', 'Xã Hưng Đạo', 'Xã Vĩnh Quang',
    ],
  },
  {
    name: 'Huyện Hòa An',
    code: 'HA',
    middle: [106.17, 22.75],
    communes: [
      'Thị trấn Nước Hai', 'Xã Dân Chủ', 'Xã Nam Tuấn', 'Xã Đại Tiến', 'Xã Đức Long', 'Xã Ngũ Lão', 'Xã Trương Lương',
      'Xã Hồng Việt', 'Xã Hoàng Tung', 'Xã Nguyễn Huệ', 'Xã Quang Trung', 'Xã Bạch Đằng', 'Xã Bình Dương',
      'Xã Lê Chung', 'Xã Hồng Nam',
    ],
  },
  {
    name: 'Huyện Hà Quảng',
    code: 'HQ',
    middle: [106.04, 22.89],
    communes: [
      'Thị trấn Xuân Hòa', 'Thị trấn Thông Nông', 'Xã Trường Hà', 'Xã Lũng Nặm', 'Xã Kéo Yên', 'Xã Vân An',
      'Xã Cải Viên', 'Xã Nội Thôn', 'Xã Tổng Cọt', 'Xã Sóc Hà', 'Xã Thượng Thôn', 'Xã Hồng Sỹ', 'Xã Quý Quân',
      'Xã Mã Ba', 'Xã Ngọc Đào', 'Xã Đa Thông', 'Xã Cần Yên', 'Xã Lương Thông', 'Xã Thanh Long', 'Xã Ngọc Động',
      'Xã Yên Sơn', 'Xã Lương Can', 'Xã Cần Nông',
    ],
  },
  {
    name: 'Huyện Trùng Khánh',
    code: 'TK',
    middle: [106.48, 22.83],
    communes: [
      'Thị trấn Trùng Khánh', 'Thị trấn Trà Lĩnh', 'Xã Đình Phong', 'Xã Chí Viễn', 'Xã Đàm Thủy', 'Xã Khâm Thành',
      'Xã Ngọc Côn', 'Xã Ngọc Khê', 'Xã Phong Châu', 'Xã Phong Nậm', 'Xã Đình Minh', 'Xã Cao Chương',
      'Xã Đoài Dương', 'Xã Trung Phúc', 'Xã Xuân Nội', 'Xã Quang Trung', 'Xã Quang Hán', 'Xã Quang Vinh',
      'Xã Lăng Hiếu', 'Xã Cao Thăng', 'Xã Tri Phương',
    ],
  },
  {
    name: 'Huyện Hạ Lang',
    code: 'HL',
    middle: [106.72, 22.70],
    communes: [
      'Thị trấn Thanh Nhật', 'Xã Minh Long', 'Xã Lý Quốc', 'Xã Đồng Loan', 'Xã Đức Quang', 'Xã Kim Loan',
      'Xã Quang Long', 'Xã An Lạc', 'Xã Thị Hoa', 'Xã Cô Ngân', 'Xã Thống Nhất', 'Xã Vinh Quý', 'Xã Thắng Lợi',
    ],
  },
  {
    name: 'Huyện Quảng Hòa',
    code: 'QH',
    middle: [106.48, 22.62],
    communes: [
      'Thị trấn Quảng Uyên', 'Thị trấn Tà Lùng', 'Thị trấn Hòa Thuận', 'Xã Phúc Sen', 'Xã Chí Thảo', 'Xã Tự Do',
      'Xã Hồng Quang', 'Xã Ngọc Động', 'Xã Cai Bộ', 'Xã Phi Hải', 'Xã Quảng Hưng', 'Xã Độc Lập', 'Xã Quốc Toản',
      'Xã Hạnh Phúc', 'Xã Bế Văn Đàn', 'Xã Cách Linh', 'Xã Đại Sơn', 'Xã Tiên Thành', 'Xã Mỹ Hưng',
    ],
  },
  {
    name: 'Huyện Thạch An',
    code: 'TA',
    middle: [106.36, 22.48],
    communes: [
      'Thị trấn Đông Khê', 'Xã Canh Tân', 'Xã Kim Đồng', 'Xã Minh Khai', 'Xã Đức Thông', 'Xã Thái Cường',
      'Xã Vân Trình', 'Xã Thụy Hùng', 'Xã Đức Xuân', 'Xã Lê Lợi', 'Xã Đức Long', 'Xã Trọng Con', 'Xã Lê Lai',
      'Xã Quang Trọng', 'Xã Danh Sỹ', 'Xã Thị Ngân',
    ],
  },
  {
    name: 'Huyện Nguyên Bình',
    code: 'NB',
    middle: [105.95, 22.61],
    communes: [
      'Thị trấn Nguyên Bình', 'Thị trấn Tĩnh Túc', 'Xã Ca Thành', 'Xã Hưng Đạo', 'Xã Hoa Thám', 'Xã Minh Tâm',
      'Xã Phan Thanh', 'Xã Quang Thành', 'Xã Tam Kim', 'Xã Thành Công', 'Xã Thịnh Vượng', 'Xã Triệu Nguyên',
      'Xã Vũ Nông', 'Xã Yên Lạc', 'Xã Mai Long', 'Xã Thể Dục', 'Xã Bắc Hợp',
    ],
  },
  {
    name: 'Huyện Bảo Lạc',
    code: 'BC',
    middle: [105.74, 22.93],
    communes: [
      'Thị trấn Bảo Lạc', 'Xã Cốc Pàng', 'Xã Thượng Hà', 'Xã Cô Ba', 'Xã Bảo Toàn', 'Xã Khánh Xuân', 'Xã Xuân Trường',
      'Xã Hồng Trị', 'Xã Kim Cúc', 'Xã Phan Thanh', 'Xã Hồng An', 'Xã Hưng Đạo', 'Xã Hưng Thịnh', 'Xã Huy Giáp',
      'Xã Đình Phùng', 'Xã Sơn Lập', 'Xã Sơn Lộ',
    ],
  },
  {
    name: 'Huyện Bảo Lâm',
    code: 'BL',
    middle: [105.46, 22.83],
    communes: [
      'Thị trấn Pác Miầu', 'Xã Đức Hạnh', 'Xã Lý Bôn', 'Xã Nam Cao', 'Xã Nam Quang', 'Xã Vĩnh Quang', 'Xã Quảng Lâm',
      'Xã Thạch Lâm', 'Xã Vĩnh Phong', 'Xã Mông Ân', 'Xã Thái Học', 'Xã Thái Sơn', 'Xã Yên Thổ', 'Xã Tân Việt',
    ],
  },
];

/** Communes placed where they are known to be, so the best-known sites fall in the right commune. */
export const COMMUNE_ANCHORS: Record<string, Position> = {
  'TK|Xã Đàm Thủy': [106.700, 22.840],
  'TK|Xã Ngọc Côn': [106.640, 22.880],
  'TK|Xã Ngọc Khê': [106.605, 22.855],
  'HQ|Xã Trường Hà': [106.060, 22.965],
  'HQ|Xã Sóc Hà': [106.105, 22.950],
  'QH|Xã Quốc Toản': [106.435, 22.775],
  'QH|Xã Phúc Sen': [106.420, 22.722],
  'NB|Xã Tam Kim': [105.965, 22.585],
  'NB|Xã Thành Công': [105.850, 22.592],
  'BL|Xã Lý Bôn': [105.420, 22.820],
  'BC|Xã Cốc Pàng': [105.770, 23.060],
};

/** The city's wards and communes: fixed seeds, so the Voronoi cells come out as a plausible small-ward pattern. */
export const CITY_SUBDIVISIONS: { name: string; code: string; position: Position }[] = [
  { name: 'Phường Hợp Giang', code: 'HG', position: [106.2555, 22.6668] },
  { name: 'Phường Sông Bằng', code: 'SB', position: [106.2745, 22.6722] },
  { name: 'Phường Sông Hiến', code: 'SH', position: [106.2560, 22.6500] },
  { name: 'Phường Tân Giang', code: 'TG', position: [106.2790, 22.6440] },
  { name: 'Phường Đề Thám', code: 'DT', position: [106.2920, 22.6900] },
  { name: 'Phường Ngọc Xuân', code: 'NX', position: [106.2600, 22.6900] },
  { name: 'Phường Hòa Chung', code: 'HC', position: [106.2330, 22.6520] },
  { name: 'Phường Duyệt Trung', code: 'DU', position: [106.2330, 22.6850] },
  { name: 'Xã Chu Trinh', code: 'CT', position: [106.3150, 22.6480] },
  { name: 'Xã Hưng Đạo', code: 'HD', position: [106.1980, 22.6620] },
  { name: 'Xã Vĩnh Quang', code: 'VQ', position: [106.2180, 22.7120] },
];

export interface Route {
  code: string;
  name: string;
  grade: string;
  widthM: number;
  surface: string;
  from: string;
  to: string;
  /** Ordered waypoints; the ends may lie outside the province (the line is cut at the border). */
  waypoints: Position[];
}

export const NATIONAL_ROADS: Route[] = [
  {
    code: 'QL3',
    name: 'Quốc lộ 3',
    grade: 'Cấp III miền núi',
    widthM: 9,
    surface: 'Bê tông nhựa',
    from: 'Ranh giới tỉnh Bắc Kạn (đèo Gió)',
    to: 'Cửa khẩu Trà Lĩnh',
    waypoints: [
      [105.985, 22.41], [106.015, 22.468], [106.048, 22.517], [106.088, 22.556], [106.128, 22.588], [106.168, 22.611],
      [106.208, 22.633], [106.236, 22.650], [106.252, 22.662], CITY_CENTRE, [106.270, 22.676], [106.290, 22.689],
      [106.322, 22.712], [106.352, 22.745], [106.346, 22.778], [106.322, 22.805], [106.326, 22.830], [106.330, 22.852],
    ],
  },
  {
    code: 'QL4A',
    name: 'Quốc lộ 4A',
    grade: 'Cấp IV miền núi',
    widthM: 7.5,
    surface: 'Bê tông nhựa',
    from: 'Thành phố Cao Bằng',
    to: 'Ranh giới tỉnh Lạng Sơn (Thất Khê)',
    waypoints: [
      CITY_CENTRE, [106.262, 22.650], [106.280, 22.621], [106.309, 22.586], [106.344, 22.551], [106.371, 22.512],
      [106.400, 22.470], [106.428, 22.428], [106.449, 22.392], [106.468, 22.330], [106.472, 22.262],
    ],
  },
  {
    code: 'QL34',
    name: 'Quốc lộ 34',
    grade: 'Cấp IV miền núi',
    widthM: 7.5,
    surface: 'Bê tông nhựa',
    from: 'Thành phố Cao Bằng',
    to: 'Ranh giới tỉnh Hà Giang',
    waypoints: [
      CITY_CENTRE, [106.236, 22.664], [106.205, 22.660], [106.150, 22.666], [106.090, 22.664], [106.030, 22.655],
      [105.958, 22.650], [105.920, 22.661], [105.880, 22.645], [105.852, 22.680], [105.822, 22.740], [105.781, 22.800],
      [105.741, 22.862], [105.702, 22.920], [105.673, 22.953], [105.621, 22.931], [105.561, 22.902], [105.499, 22.862],
      [105.432, 22.861], [105.362, 22.871], [105.302, 22.858], [105.240, 22.862],
    ],
  },
  {
    code: 'QL4',
    name: 'Quốc lộ 4 (tuyến biên giới)',
    grade: 'Cấp IV miền núi',
    widthM: 7.5,
    surface: 'Láng nhựa',
    from: 'Thị trấn Xuân Hòa',
    to: 'Thị trấn Tà Lùng',
    waypoints: [
      [106.121, 22.892], [106.180, 22.872], [106.245, 22.842], [106.300, 22.815], [106.322, 22.805], [106.380, 22.818],
      [106.448, 22.829], [106.521, 22.831], [106.585, 22.790], [106.632, 22.742], [106.676, 22.705], [106.700, 22.655],
      [106.668, 22.598], [106.622, 22.540], [106.578, 22.492],
    ],
  },
];

/** Provincial roads (đường tỉnh) between towns; numbers are demo numbers. */
export const PROVINCIAL_ROADS: { code: string; from: string; to: string; via?: Position[] }[] = [
  { code: 'ĐT.203', from: 'Cao Bằng', to: 'Xuân Hòa', via: [[106.195, 22.735], [106.160, 22.820]] },
  { code: 'ĐT.204', from: 'Nước Hai', to: 'Thông Nông', via: [[106.100, 22.780]] },
  { code: 'ĐT.205', from: 'Thông Nông', to: 'Bảo Lạc', via: [[105.880, 22.880], [105.760, 22.930]] },
  { code: 'ĐT.206', from: 'Quảng Uyên', to: 'Trùng Khánh', via: [[106.480, 22.760]] },
  { code: 'ĐT.207', from: 'Quảng Uyên', to: 'Hòa Thuận', via: [[106.470, 22.610]] },
  { code: 'ĐT.208', from: 'Đông Khê', to: 'Quảng Uyên', via: [[106.420, 22.520], [106.430, 22.610]] },
  { code: 'ĐT.210', from: 'Thanh Nhật', to: 'Quảng Uyên', via: [[106.560, 22.690]] },
  { code: 'ĐT.211', from: 'Trùng Khánh', to: 'Thanh Nhật', via: [[106.600, 22.770]] },
  { code: 'ĐT.212', from: 'Nguyên Bình', to: 'Thông Nông', via: [[105.975, 22.730]] },
  { code: 'ĐT.217', from: 'Bảo Lạc', to: 'Pác Miầu', via: [[105.590, 22.880]] },
];

export interface River {
  name: string;
  /** The river whose basin it drains to (itself for a main river). */
  basin: string;
  order: number;
  widthM: number;
  /** Source to mouth. The last point snaps to the river it joins, when `joins` is set. */
  waypoints: Position[];
  joins?: string;
}

export const RIVERS: River[] = [
  {
    name: 'Sông Bằng Giang',
    basin: 'Bằng Giang – Tả Giang',
    order: 1,
    widthM: 80,
    waypoints: [
      [106.088, 22.972], [106.114, 22.931], [106.139, 22.882], [106.158, 22.822], [106.183, 22.772], [106.204, 22.731],
      [106.222, 22.703], [106.240, 22.686], [106.252, 22.675], [106.262, 22.671], [106.267, 22.664], [106.266, 22.659],
      [106.276, 22.655], [106.296, 22.658], [106.338, 22.674], [106.381, 22.669], [106.428, 22.658], [106.468, 22.621],
      [106.499, 22.576], [106.531, 22.531], [106.566, 22.501], [106.605, 22.468],
    ],
  },
  {
    name: 'Sông Hiến',
    basin: 'Bằng Giang – Tả Giang',
    order: 2,
    widthM: 45,
    joins: 'Sông Bằng Giang',
    waypoints: [
      [105.905, 22.700], [105.955, 22.690], [106.005, 22.676], [106.048, 22.662], [106.092, 22.641], [106.141, 22.628],
      [106.183, 22.636], [106.221, 22.650], [106.241, 22.655], [106.256, 22.657], [106.266, 22.659],
    ],
  },
  {
    name: 'Sông Bắc Vọng',
    basin: 'Bằng Giang – Tả Giang',
    order: 2,
    widthM: 25,
    joins: 'Sông Bằng Giang',
    waypoints: [[106.492, 22.872], [106.471, 22.821], [106.447, 22.772], [106.436, 22.721], [106.428, 22.658]],
  },
  {
    name: 'Sông Quây Sơn',
    basin: 'Quây Sơn – Tả Giang',
    order: 1,
    widthM: 60,
    waypoints: [
      [106.652, 22.925], [106.688, 22.878], [106.708, 22.864], BAN_GIOC, [106.734, 22.838], [106.746, 22.801],
      [106.771, 22.764], [106.798, 22.731], [106.821, 22.700], [106.862, 22.668],
    ],
  },
  {
    name: 'Sông Gâm',
    basin: 'Sông Gâm – sông Lô',
    order: 1,
    widthM: 90,
    waypoints: [
      [105.832, 23.102], [105.801, 23.049], [105.762, 23.001], [105.712, 22.966], [105.676, 22.948], [105.632, 22.921],
      [105.581, 22.886], [105.532, 22.851], [105.491, 22.811], [105.452, 22.771], [105.411, 22.731], [105.378, 22.688],
    ],
  },
  {
    name: 'Sông Nho Quế',
    basin: 'Sông Gâm – sông Lô',
    order: 2,
    widthM: 50,
    joins: 'Sông Gâm',
    waypoints: [[105.248, 22.972], [105.291, 22.922], [105.333, 22.881], [105.381, 22.842], [105.421, 22.803], [105.452, 22.771]],
  },
  {
    name: 'Sông Năng',
    basin: 'Sông Gâm – sông Lô',
    order: 2,
    widthM: 40,
    waypoints: [[105.821, 22.902], [105.802, 22.831], [105.771, 22.762], [105.745, 22.693], [105.722, 22.622], [105.701, 22.551]],
  },
  {
    name: 'Sông Neo',
    basin: 'Sông Gâm – sông Lô',
    order: 3,
    widthM: 20,
    joins: 'Sông Năng',
    waypoints: [[105.935, 22.760], [105.895, 22.742], [105.852, 22.731], [105.808, 22.722], [105.771, 22.720]],
  },
];
