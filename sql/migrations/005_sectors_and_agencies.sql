-- The 8 sector databases of Decision 34/2024/QĐ-UBND (Điều 5.2) and the agencies that own them (Điều 7.2),
-- as the decision names them. Later reorganisations (the 2025 mergers) are data changes, not migrations.

insert into catalog.sectors (code, title_vi, title_en, sort) values
  ('cong_thuong', 'Công Thương', 'Industry and Trade', 1),
  ('van_hoa', 'Văn hoá, Thể thao và Du lịch', 'Culture, Sports and Tourism', 2),
  ('thong_tin', 'Thông tin và Truyền thông', 'Information and Communications', 3),
  ('tai_nguyen', 'Tài nguyên và Môi trường', 'Natural Resources and Environment', 4),
  ('xay_dung', 'Xây dựng', 'Construction and Planning', 5),
  ('giao_thong', 'Giao thông vận tải', 'Transport', 6),
  ('nong_nghiep', 'Nông nghiệp và Phát triển nông thôn', 'Agriculture and Rural Development', 7),
  ('do_thi', 'Hạ tầng đô thị', 'Urban Infrastructure', 8);

-- Sector schemas exist up front, so no request path ever creates a schema.
create schema cong_thuong;
create schema van_hoa;
create schema thong_tin;
create schema tai_nguyen;
create schema xay_dung;
create schema giao_thong;
create schema nong_nghiep;
create schema do_thi;
grant usage on schema cong_thuong, van_hoa, thong_tin, tai_nguyen, xay_dung, giao_thong, nong_nghiep, do_thi to cb_app;

insert into catalog.agencies (code, name_vi, name_en, kind) values
  ('ttcns', 'Trung tâm Công nghệ số và Truyền thông', 'Digital Technology and Communications Centre', 'operator'),
  ('so_cong_thuong', 'Sở Công Thương', 'Department of Industry and Trade', 'department'),
  ('so_vhttdl', 'Sở Văn hoá, Thể thao và Du lịch', 'Department of Culture, Sports and Tourism', 'department'),
  ('so_tttt', 'Sở Thông tin và Truyền thông', 'Department of Information and Communications', 'department'),
  ('so_tnmt', 'Sở Tài nguyên và Môi trường', 'Department of Natural Resources and Environment', 'department'),
  ('so_xay_dung', 'Sở Xây dựng', 'Department of Construction', 'department'),
  ('so_gtvt', 'Sở Giao thông Vận tải', 'Department of Transport', 'department'),
  ('so_nn_ptnt', 'Sở Nông nghiệp và Phát triển nông thôn', 'Department of Agriculture and Rural Development', 'department'),
  ('ubnd_tp_cao_bang', 'UBND thành phố Cao Bằng', 'Cao Bằng City People''s Committee', 'local_government');
