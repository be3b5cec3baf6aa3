// Named places the demo must show where people expect them: the best-known geosites of the Non nước Cao Bằng
// Geopark and the best-known lakes. Positions are approximate, except Bản Giốc (the published check point).
import { BAN_GIOC } from './geography.ts';
import type { Position } from './geometry.ts';

export interface NamedGeosite {
  name: string;
  kind: string;
  rank: string;
  position: Position;
  description: string;
}

export const NAMED_GEOSITES: NamedGeosite[] = [
  {
    name: 'Thác Bản Giốc',
    kind: 'Thác nước',
    rank: 'Quốc gia đặc biệt',
    position: BAN_GIOC,
    description: 'Thác nước trên sông Quây Sơn ở biên giới Việt – Trung, nhiều tầng đổ qua các gờ đá vôi travertin.',
  },
  {
    name: 'Động Ngườm Ngao',
    kind: 'Hang động',
    rank: 'Quốc gia',
    position: [106.7087, 22.8466],
    description: 'Hang karst dài hơn 2 km với nhiều thạch nhũ, măng đá; "Ngườm Ngao" tiếng Tày là hang hổ.',
  },
  {
    name: 'Làng đá Khuổi Ky',
    kind: 'Văn hóa, lịch sử',
    rank: 'Cấp tỉnh',
    position: [106.6965, 22.8608],
    description: 'Làng nhà sàn đá của người Tày bên dòng suối Khuổi Ky, gần thác Bản Giốc.',
  },
  {
    name: 'Chùa Phật tích Trúc Lâm Bản Giốc',
    kind: 'Văn hóa, lịch sử',
    rank: 'Chưa xếp hạng',
    position: [106.7172, 22.8531],
    description: 'Quần thể chùa trên đồi Pò Thoong nhìn xuống thác Bản Giốc.',
  },
  {
    name: 'Hang Cốc Bó (Pác Bó)',
    kind: 'Văn hóa, lịch sử',
    rank: 'Quốc gia đặc biệt',
    position: [106.0465, 22.9855],
    description: 'Hang karst nơi lãnh tụ Hồ Chí Minh sống và làm việc năm 1941, trong khu di tích quốc gia đặc biệt Pác Bó.',
  },
  {
    name: 'Suối Lê-nin',
    kind: 'Thủy văn',
    rank: 'Quốc gia đặc biệt',
    position: [106.0448, 22.9839],
    description: 'Dòng suối karst trong xanh chảy ra từ chân núi đá vôi ở khu di tích Pác Bó.',
  },
  {
    name: 'Núi Các Mác',
    kind: 'Địa mạo karst',
    rank: 'Quốc gia đặc biệt',
    position: [106.0432, 22.9867],
    description: 'Khối núi đá vôi sót bên suối Lê-nin, tiêu biểu cho địa hình karst dạng tháp.',
  },
  {
    name: 'Quần thể hồ Thang Hen',
    kind: 'Thủy văn',
    rank: 'Quốc gia',
    position: [106.4395, 22.7845],
    description: 'Chuỗi 36 hồ karst nối với nhau bằng mạch nước ngầm giữa vùng núi đá vôi Trà Lĩnh.',
  },
  {
    name: 'Đèo Mã Phục',
    kind: 'Địa mạo karst',
    rank: 'Cấp tỉnh',
    position: [106.3525, 22.7435],
    description: 'Đèo trên quốc lộ 3 với tầm nhìn ra thung lũng karst và các khối núi đá vôi dạng nón.',
  },
  {
    name: 'Đỉnh Phja Oắc',
    kind: 'Địa mạo karst',
    rank: 'Quốc gia',
    position: [105.8712, 22.6035],
    description: 'Đỉnh núi granit cao 1.931 m trong Vườn quốc gia Phja Oắc – Phja Đén, có năm có băng tuyết vào mùa đông.',
  },
  {
    name: 'Rừng nguyên sinh Phja Đén',
    kind: 'Địa tầng',
    rank: 'Quốc gia',
    position: [105.8405, 22.5855],
    description: 'Mặt cắt đá xâm nhập granit và đá biến chất ven khối Phja Oắc, phủ rừng nguyên sinh.',
  },
  {
    name: 'Mỏ thiếc Tĩnh Túc',
    kind: 'Khoáng sản',
    rank: 'Cấp tỉnh',
    position: [105.8842, 22.6372],
    description: 'Vùng mỏ thiếc – wolfram gốc và sa khoáng liên quan đến khối granit Phja Oắc.',
  },
  {
    name: 'Núi Mắt Thần',
    kind: 'Địa mạo karst',
    rank: 'Cấp tỉnh',
    position: [105.9981, 22.8618],
    description: 'Cửa sổ đá xuyên thủng đỉnh núi đá vôi, nhìn từ xa như một con mắt.',
  },
  {
    name: 'Đèo Khau Cốc Chà',
    kind: 'Địa mạo karst',
    rank: 'Chưa xếp hạng',
    position: [105.7068, 22.9152],
    description: 'Đèo nhiều khúc cua tay áo trên đường lên Bảo Lạc, nhìn ra thung lũng sông Gâm.',
  },
  {
    name: 'Đèo Mẻ Pia',
    kind: 'Địa mạo karst',
    rank: 'Chưa xếp hạng',
    position: [105.7352, 22.9781],
    description: 'Đèo 17 tầng cua trên sườn núi đá vôi ở Bảo Lạc.',
  },
  {
    name: 'Khu di tích Rừng Trần Hưng Đạo',
    kind: 'Văn hóa, lịch sử',
    rank: 'Quốc gia đặc biệt',
    position: [105.9628, 22.5902],
    description: 'Nơi thành lập Đội Việt Nam Tuyên truyền Giải phóng quân ngày 22/12/1944.',
  },
  {
    name: 'Khu di tích Kim Đồng',
    kind: 'Văn hóa, lịch sử',
    rank: 'Quốc gia',
    position: [106.0871, 22.9446],
    description: 'Quê hương và khu mộ anh hùng Kim Đồng (Nông Văn Dền) ở Nà Mạ.',
  },
  {
    name: 'Hoàng thành Nà Lữ',
    kind: 'Văn hóa, lịch sử',
    rank: 'Quốc gia',
    position: [106.2121, 22.7031],
    description: 'Dấu tích thành cổ của Nùng Trí Cao (thế kỷ XI) trên cánh đồng Hòa An.',
  },
  {
    name: 'Mái đá Ngườm Pục',
    kind: 'Cổ sinh, hóa thạch',
    rank: 'Cấp tỉnh',
    position: [106.2051, 22.7183],
    description: 'Mái đá có tầng văn hóa thời đá cũ với công cụ cuội và di cốt động vật.',
  },
  {
    name: 'Làng rèn Phúc Sen',
    kind: 'Văn hóa, lịch sử',
    rank: 'Cấp tỉnh',
    position: [106.4322, 22.7164],
    description: 'Làng nghề rèn truyền thống của người Nùng An, dùng quặng sắt địa phương.',
  },
  {
    name: 'Làng hương Phja Thắp',
    kind: 'Văn hóa, lịch sử',
    rank: 'Cấp tỉnh',
    position: [105.9724, 22.6671],
    description: 'Làng làm hương của người Nùng từ vỏ cây và bột gỗ rừng, phơi trên sân nhà.',
  },
  {
    name: 'Đền Kỳ Sầm',
    kind: 'Văn hóa, lịch sử',
    rank: 'Cấp tỉnh',
    position: [106.2259, 22.7107],
    description: 'Đền thờ Nùng Trí Cao dưới chân núi đá vôi, lễ hội tháng Giêng.',
  },
  {
    name: 'Di tích Đồn Đông Khê',
    kind: 'Văn hóa, lịch sử',
    rank: 'Quốc gia',
    position: [106.4304, 22.4319],
    description: 'Cứ điểm trong Chiến dịch Biên giới thu đông 1950, trên đồi đá vôi sót.',
  },
  {
    name: 'Núi Thủng Nặm Nàng',
    kind: 'Địa mạo karst',
    rank: 'Chưa xếp hạng',
    position: [106.1303, 22.9181],
    description: 'Vòm đá xuyên thủng do hòa tan karst, nước suối chảy qua lòng núi.',
  },
  {
    name: 'Thung lũng sông Nho Quế (Lý Bôn)',
    kind: 'Địa mạo karst',
    rank: 'Cấp tỉnh',
    position: [105.4062, 22.8338],
    description: 'Đoạn sông Nho Quế chảy trong hẻm vực đá vôi trước khi nhập vào sông Gâm.',
  },
  {
    name: 'Mặt cắt hệ tầng Bắc Sơn (Mã Phục)',
    kind: 'Địa tầng',
    rank: 'Cấp tỉnh',
    position: [106.3443, 22.7361],
    description: 'Mặt cắt đá vôi Carbon – Permi chứa hóa thạch trùng thoi, san hô và tay cuộn.',
  },
];

export interface NamedLake {
  name: string;
  kind: string;
  position: Position;
  /** Mean radius in metres, and how elongated. */
  radius: number;
  aspect: number;
  angle: number;
  capacity: number | null;
  manager: string;
}

export const NAMED_LAKES: NamedLake[] = [
  { name: 'Hồ Thang Hen', kind: 'Hồ tự nhiên', position: [106.4395, 22.7845], radius: 140, aspect: 2.4, angle: 0.6, capacity: null, manager: 'UBND xã Quốc Toản' },
  { name: 'Hồ Thang Lỏong', kind: 'Hồ tự nhiên', position: [106.4452, 22.7892], radius: 70, aspect: 1.8, angle: 1.9, capacity: null, manager: 'UBND xã Quốc Toản' },
  { name: 'Hồ Nặm Pảng', kind: 'Hồ tự nhiên', position: [106.4331, 22.7811], radius: 60, aspect: 1.5, angle: 0.2, capacity: null, manager: 'UBND xã Quốc Toản' },
  { name: 'Hồ Khuổi Lái', kind: 'Hồ chứa thủy lợi', position: [106.2365, 22.6985], radius: 210, aspect: 1.7, angle: 2.2, capacity: 1.2, manager: 'Công ty TNHH MTV Khai thác công trình thủy lợi Cao Bằng' },
  { name: 'Hồ chứa nước Nà Chướng', kind: 'Hồ chứa thủy lợi', position: [106.1532, 22.7603], radius: 260, aspect: 1.9, angle: 0.9, capacity: 2.4, manager: 'Công ty TNHH MTV Khai thác công trình thủy lợi Cao Bằng' },
  { name: 'Hồ chứa nước Khuổi Khoán', kind: 'Hồ chứa thủy lợi', position: [106.5711, 22.7252], radius: 240, aspect: 1.6, angle: 2.7, capacity: 1.9, manager: 'Công ty TNHH MTV Khai thác công trình thủy lợi Cao Bằng' },
];

/** Hydropower reservoirs: drawn along their river, centred on the river line near the given point. */
export const HYDROPOWER_RESERVOIRS: { name: string; river: string; near: Position; length: number; capacity: number; manager: string }[] = [
  { name: 'Hồ thủy điện Bảo Lạc B', river: 'Sông Gâm', near: [105.632, 22.921], length: 3200, capacity: 32, manager: 'Công ty CP Thủy điện Bảo Lạc' },
  { name: 'Hồ thủy điện Bảo Lâm 1', river: 'Sông Gâm', near: [105.532, 22.851], length: 2600, capacity: 21, manager: 'Công ty CP Thủy điện Bảo Lâm' },
  { name: 'Hồ thủy điện Bảo Lâm 3', river: 'Sông Gâm', near: [105.452, 22.771], length: 2200, capacity: 14, manager: 'Công ty CP Thủy điện Bảo Lâm' },
  { name: 'Hồ thủy điện Thoong Cót', river: 'Sông Bắc Vọng', near: [106.471, 22.821], length: 1400, capacity: 6, manager: 'Công ty CP Thủy điện Trùng Khánh' },
  { name: 'Hồ thủy điện Hòa Thuận', river: 'Sông Bằng Giang', near: [106.499, 22.576], length: 1800, capacity: 9, manager: 'Công ty CP Thủy điện Cao Bằng' },
  { name: 'Hồ thủy điện Nà Tẩu', river: 'Sông Năng', near: [105.771, 22.762], length: 1500, capacity: 7, manager: 'Công ty CP Thủy điện Nguyên Bình' },
];
